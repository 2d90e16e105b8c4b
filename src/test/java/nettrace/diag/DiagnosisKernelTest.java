package nettrace.diag;

import static org.assertj.core.api.Assertions.assertThat;

import nettrace.testing.RoutedNetwork;
import nettrace.testing.TracedRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * --diag against faults made on purpose in a client - router - server topology: each test
 * breaks one thing and asserts on the finding nettrace printed.
 */
@Tag("kernel")
class DiagnosisKernelTest {
    private static final String CLIENT = "10.199.50.1";
    private static final String SERVER = "10.199.60.1";
    private static final String SPOOFED = "10.199.77.7";

    @RegisterExtension
    static final RoutedNetwork net = new RoutedNetwork("d", "10.199.50", "10.199.60");

    private static void ping() {
        net.tryExec(net.client(), "ping", "-c", "1", "-W", "1", SERVER);
    }

    /** Runs --diag (plus options) around traffic; the first ERROR must end the run by itself. */
    private static TracedRun.Output diagnoseUntilFirstError(Runnable traffic, String... options) {
        try (TracedRun run = TracedRun.start(options)) {
            traffic.run();
            return run.awaitExit();
        }
    }

    private static void assertNetfilterDrop(TracedRun.Output output) {
        assertThat(output.exitCode()).as(output.toString()).isZero();
        assertThat(output.stdout()).as(output.toString())
                .contains("---------------- ANALYSIS RESULT ---------------------")
                .contains("ERROR happens in kfree_skb(life):\n        packet is dropped by kernel")
                .containsPattern("    location:\n        (nf_hook_slow|nft_do_chain)\\+0x[0-9a-f]+\n")
                .contains("    drop reason:\n        NETFILTER_DROP")
                .contains("fix advice:")
                .endsWith("analysis finished!\n\nend trace...\n");
    }

    @Test
    void anIptablesLegacyForwardDropIsDiagnosed() {
        net.exec(net.router(), "iptables-legacy", "-A", "FORWARD", "-p", "icmp", "-j", "DROP");
        try {
            assertNetfilterDrop(diagnoseUntilFirstError(DiagnosisKernelTest::ping, "--diag", "-p", "icmp", "-s",
                    CLIENT));
        } finally {
            net.exec(net.router(), "iptables-legacy", "-F", "FORWARD");
        }
    }

    @Test
    void anIptablesNftForwardDropIsDiagnosed() {
        net.exec(net.router(), "iptables-nft", "-A", "FORWARD", "-p", "icmp", "-j", "DROP");
        try {
            assertNetfilterDrop(diagnoseUntilFirstError(DiagnosisKernelTest::ping, "--diag", "-p", "icmp", "-s",
                    CLIENT));
        } finally {
            net.exec(net.router(), "iptables-nft", "-F", "FORWARD");
        }
    }

    @Test
    void anNftablesRuleDropIsDiagnosed() {
        net.exec(net.router(), "nft", "add table inet nettrace_test; add chain inet nettrace_test forward_drop "
                + "{ type filter hook forward priority 0; }; add rule inet nettrace_test forward_drop icmp type echo-request drop");
        try {
            assertNetfilterDrop(diagnoseUntilFirstError(DiagnosisKernelTest::ping, "--diag", "-p", "icmp", "-s",
                    CLIENT));
        } finally {
            net.exec(net.router(), "nft", "delete", "table", "inet", "nettrace_test");
        }
    }

    @Test
    void udpToAClosedPortIsNoSocketWithAdvice() {
        TracedRun.Output output = diagnoseUntilFirstError(() -> net.sendUdp(net.client(), SERVER, 7700, 10),
                "--diag", "-p", "udp", "-D", "7700");
        assertThat(output.stdout()).as(output.toString())
                .contains("    drop reason:\n        NO_SOCKET")
                .contains("fix advice:\n        nothing listens on the destination port")
                .contains("`ip netns exec " + net.server() + " ss -ltunp 'sport = :7700'`")
                .endsWith("analysis finished!\n\nend trace...\n");
    }

    @Test
    void aTcpSynToAClosedPortIsDiagnosed() {
        TracedRun.Output output = diagnoseUntilFirstError(
                () -> net.tryExec(net.client(), "sh", "-c", "echo x | nc -w1 " + SERVER + " 7701"),
                "--diag", "-p", "tcp", "-D", "7701");
        assertThat(output.stdout()).as(output.toString())
                .contains("flags:S")
                .contains("ERROR happens in ")
                .contains("NO_SOCKET")
                .endsWith("analysis finished!\n\nend trace...\n");
    }

    @Test
    void reversePathFilteringIsDiagnosed() {
        net.exec(net.router(), "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.in0.rp_filter=1");
        net.exec(net.client(), "ip", "addr", "add", SPOOFED + "/32", "dev", "eth0");
        try {
            TracedRun.Output output = diagnoseUntilFirstError(
                    () -> net.tryExec(net.client(), "ping", "-c", "1", "-W", "1", "-I", SPOOFED, SERVER),
                    "--diag", "-s", SPOOFED);
            assertThat(output.stdout()).as(output.toString())
                    .contains("    drop reason:\n        IP_RPFILTER")
                    .contains("reverse-path filtering");
        } finally {
            net.exec(net.client(), "ip", "addr", "del", SPOOFED + "/32", "dev", "eth0");
            net.exec(net.router(), "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.in0.rp_filter=0");
        }
    }

    @Test
    void aFullReceiveBufferIsDiagnosed() throws Exception {
        Process reader = net.stoppedUdpReader(net.server(), 7702);
        try {
            TracedRun.Output output = diagnoseUntilFirstError(() -> net.exec(net.client(), "bash", "-c",
                    "exec 3>/dev/udp/" + SERVER + "/7702; for i in $(seq 1 600); do printf '%1400s' x >&3; done"),
                    "--diag", "-p", "udp", "-D", "7702");
            assertThat(output.stdout()).as(output.toString())
                    .contains("    drop reason:\n        SOCKET_RCVBUFF")
                    .contains("the reader is too slow");
        } finally {
            net.tryExec(net.server(), "kill", "-KILL", Long.toString(reader.pid()));
        }
    }

    @Test
    void aPingThatArrivesIsAGoodPacket() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--diag", "-p", "icmp", "-s", CLIENT)) {
            ping();
            output = run.stop();
        }
        assertThat(output.stdout()).as(output.toString())
                .contains("ping request")
                .contains("this is a good packet!")
                .doesNotContain("ANALYSIS RESULT")
                .doesNotContain("analysis finished!");
    }

    @Test
    void diagQuietShowsOnlyThePacketsWithProblems() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--diag-quiet", "--diag-keep", "--addr", SERVER)) {
            ping();
            net.sendUdp(net.client(), SERVER, 7703, 10);
            output = run.stop();
        }
        assertThat(output.stdout()).as(output.toString())
                .doesNotContain("ping request", "this is a good packet!")
                .contains("UDP: " + CLIENT)
                .contains("NO_SOCKET");
        // every life shown is one with a problem (a full kernel may show the UDP packet's clone too)
        String[] blocks = output.stdout().split("(?m)^\\*{17} ");
        assertThat(blocks).as(output.toString()).hasSizeGreaterThan(1);
        assertThat(java.util.Arrays.asList(blocks).subList(1, blocks.length)).as(output.toString())
                .allMatch(block -> block.contains("---------------- ANALYSIS RESULT ---------------------"));
    }

    @Test
    void diagStopsAtTheFirstErrorAndShowsNothingAfter() {
        TracedRun.Output output = diagnoseUntilFirstError(() -> {
            net.sendUdp(net.client(), SERVER, 7704, 10);
            net.sendUdp(net.client(), SERVER, 7705, 10);
        }, "--diag", "-p", "udp", "--addr", SERVER);
        assertThat(output.exitCode()).isZero();
        assertThat(output.stdout().split("ANALYSIS RESULT", -1)).hasSize(2);
        assertThat(output.stdout()).endsWith("analysis finished!\n\nend trace...\n");
    }

    @Test
    void diagKeepGoesOnAfterErrors() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--diag-keep", "-p", "udp", "--addr", SERVER)) {
            net.sendUdp(net.client(), SERVER, 7706, 10);
            net.sendUdp(net.client(), SERVER, 7707, 10);
            output = run.stop();
        }
        assertThat(output.stdout().split("ANALYSIS RESULT", -1)).as(output.toString()).hasSize(3);
        assertThat(output.stdout()).doesNotContain("analysis finished!");
        assertThat(output.stderr()).doesNotContain("stopped: first error");
    }
}
