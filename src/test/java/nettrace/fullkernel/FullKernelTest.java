package nettrace.fullkernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.libbpf.FullTrampoline;
import nettrace.testing.RoutedNetwork;
import nettrace.testing.TracedRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What only a kernel with fentry and kprobes shows: function tracers, return values, netfilter
 * tables and chains by name, hook functions, clones. Runs in the VM (vm/test) on Debian's
 * kernels; on a kernel without those mechanisms every test is skipped, saying why.
 */
@Tag("kernel")
@Tag("fullkernel")
@EnabledIf(value = "fullKernel", disabledReason = "needs a kernel with fentry and kprobes (vm/test runs this on Debian's kernels)")
class FullKernelTest {
    private static final String CLIENT = "10.199.80.1";
    private static final String SERVER = "10.199.90.1";

    @RegisterExtension
    static final RoutedNetwork net = new RoutedNetwork("f", "10.199.80", "10.199.90");

    static boolean fullKernel() {
        KernelFeatures features = KernelFeatures.probe(Btf.read(Path.of("/sys/kernel/btf/vmlinux")), KernelSymbols.read());
        return features.fentry() && features.kprobe();
    }

    private static void ping() {
        net.tryExec(net.client(), "ping", "-c", "1", "-W", "2", SERVER);
    }

    private static TracedRun.Output diagnose(String... options) {
        try (TracedRun run = TracedRun.start(options)) {
            ping();
            return run.awaitExit();
        }
    }

    @Test
    void thePlanPrefersFentryAndTheTreeListingSaysSo() {
        TracedRun.Output output = TracedRun.runToEnd("-t", "?");
        assertThat(output.exitCode()).as(output.toString()).isZero();
        assertThat(output.lines()).as(output.toString())
                .anyMatch(line -> line.matches(" +ip_rcv +fentry ip_rcv"))
                .anyMatch(line -> line.matches(" +tcp_v4_rcv +fentry tcp_v4_rcv"))
                .anyMatch(line -> line.matches(" +kfree_skb +tracepoint skb:kfree_skb"))
                .contains("  fentry/fexit: yes", "  kprobe/kretprobe: yes");
    }

    @Test
    void aFunctionWithoutBtfIsTracedByAKprobe() {
        // __netif_receive_skb_one_core is a compiler clone or BTF-less on some kernels; ip_rcv_core
        // is "ip_rcv_core.isra.0" on 6.1: whichever this kernel has without BTF goes to kprobes
        TracedRun.Output listing = TracedRun.runToEnd("-t", "?");
        List<String> kprobed = listing.lines().stream().filter(line -> line.matches(" +\\S+ +kprobe(-multi)? \\S+"))
                .toList();
        assumeTrue(!kprobed.isEmpty(), "every tree function of this kernel has BTF: nothing goes to kprobes");
        String tracer = kprobed.getFirst().strip().split(" +")[0];
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "-t", tracer + ",ip_rcv", "-p", "icmp", "-s", CLIENT, "-v")) {
            ping();
            output = run.stop();
        }
        assertThat(output.stderr()).as(output.toString()).containsPattern(tracer + ": kprobe(-multi)? ");
        assertThat(output.exitCode()).isZero();
    }

    @Test
    void whereAFunctionsFentryIsRefusedItsTracerFallsBackToAKprobe() {
        // other BPF tools can fill a function's trampoline; nettrace then loads kprobe programs
        // for that tracer alone, writing into the same maps as the rest
        int icmpRcv = Btf.read(Path.of("/sys/kernel/btf/vmlinux")).find("icmp_rcv", Btf.Kind.FUNC).orElseThrow();
        TracedRun.Output output;
        try (FullTrampoline full = new FullTrampoline(icmpRcv)) {
            assertThat(full.attached()).isPositive();
            try (TracedRun run = TracedRun.start("--basic", "-t", "icmp_rcv,ip_rcv", "-p", "icmp", "-s", CLIENT, "-v")) {
                ping();
                output = run.stop();
            }
        }
        assertThat(output.stderr()).as(output.toString())
                .containsPattern("fentry refused for icmp_rcv \\(.*\\), trying a kprobe")
                .doesNotContain("cannot attach");
        assertThat(output.eventsAt("icmp_rcv")).as(output.toString()).isNotEmpty();
        assertThat(output.eventsAt("ip_rcv")).as(output.toString()).isNotEmpty();
        assertThat(output.exitCode()).isZero();
    }

    @Test
    void returnValuesAreShownWithRet() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "--ret", "-t", "ip_rcv,ip_forward", "-p", "icmp", "-s", CLIENT)) {
            ping();
            output = run.stop();
        }
        assertThat(output.eventsAt("ip_rcv")).as(output.toString()).isNotEmpty()
                .allMatch(line -> line.matches(".*\\*return: -?\\d+\\*$"));
        assertThat(output.eventsAt("ip_forward")).as(output.toString()).anyMatch(line -> line.endsWith("*return: 0*"));
    }

    @Test
    void aPacketOnItsWayOutIsParsedBeforeTheIpLayerSetsItsProtocol() {
        // skb->protocol is set inside __ip_local_out: at its entry only the header tells IPv4
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "-t", "__ip_local_out,ip_output", "-p", "icmp", "-s", CLIENT)) {
            ping();
            output = run.stop();
        }
        assertThat(output.eventsAt("__ip_local_out")).as(output.toString()).isNotEmpty()
                .allMatch(line -> line.contains("ICMP: " + CLIENT + " -> " + SERVER + " ping request, seq: 1"));
        assertThat(output.eventsAt("ip_output")).as(output.toString()).isNotEmpty();
    }

    @Test
    void aUdpDatagramIsReadOnlyOnceItsHeaderIsWritten() {
        // udp_send_skb writes the UDP header after its entry: the bytes there before are not the
        // datagram's, and taken for it they made a NAT finding out of nothing
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--diag", "--diag-keep", "-p", "udp", "-s", CLIENT, "-D", "7802")) {
            net.tryExec(net.client(), "sh", "-c", "echo x | nc -u -w1 " + SERVER + " 7802");
            output = run.stop();
        }
        assertThat(output.stdout()).as(output.toString())
                .containsPattern("\\[__ip_local_out +\\].*UDP: " + CLIENT.replace(".", "\\.") + ":\\d+ -> "
                        + SERVER.replace(".", "\\.") + ":7802")
                .doesNotContain("SNAT").doesNotContain("DNAT");
    }

    @Test
    void anIptablesLegacyForwardDropNamesItsTableAndChain() {
        net.exec(net.router(), "iptables-legacy", "-A", "FORWARD", "-p", "icmp", "-j", "DROP");
        try {
            TracedRun.Output output = diagnose("--diag", "--hooks", "-p", "icmp", "-s", CLIENT);
            assertThat(output.stdout()).as(output.toString())
                    // one life from the client's first point that shows the packet to the drop
                    .containsPattern("\\*{15}\n\\[[0-9.]+\\] \\[__ip_local_out +\\] ICMP: ")
                    .containsPattern("\\[ip_output +\\] ICMP: ")
                    .contains("*iptables table:filter, chain:FORWARD*")
                    .contains("*ipv4 in chain: FORWARD*")
                    .contains("packet is dropped by iptables/iptables-legacy (table filter, chain FORWARD)")
                    .contains("*skb is successfully sent to the NIC driver*")
                    // one ERROR per dropped packet: the netfilter verdict is part of the drop's finding
                    .containsOnlyOnce("ERROR happens")
                    .contains("ERROR happens in kfree_skb(life):")
                    .contains("netfilter verdict:\n        packet is dropped by netfilter (NF_DROP)")
                    .contains("following hook functions are blamed:")
                    .containsPattern("(?m)^ {8}(iptable_filter_hook|ipt_do_table)$");
        } finally {
            net.exec(net.router(), "iptables-legacy", "-F", "FORWARD");
        }
    }

    @Test
    void anNftablesForwardDropNamesItsTableAndChain() {
        net.exec(net.router(), "nft", "add table inet nettrace_full; add chain inet nettrace_full forward_drop "
                + "{ type filter hook forward priority 0; }; add rule inet nettrace_full forward_drop icmp type echo-request drop");
        try {
            TracedRun.Output output = diagnose("--diag", "--hooks", "-p", "icmp", "-s", CLIENT);
            assertThat(output.stdout()).as(output.toString())
                    .contains("*ipv4 in chain: FORWARD*")
                    .contains("packet is dropped by iptables/iptables-nft (table nettrace_full, chain forward_drop)")
                    .contains("following hook functions are blamed:")
                    .containsPattern("(?m)^ {8}nft_do_chain_inet");
        } finally {
            net.exec(net.router(), "nft", "delete", "table", "inet", "nettrace_full");
        }
    }

    @Test
    void aSynToAPortNobodyListensOnIsWarnedAbout() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--diag", "--diag-keep", "-p", "tcp", "-D", "7801")) {
            net.tryExec(net.client(), "sh", "-c", "echo x | nc -w2 " + SERVER + " 7801");
            output = run.stop();
        }
        assertThat(output.stdout()).as(output.toString())
                .contains("*tcp port is not listened*")
                .contains("WARN happens in __inet_lookup_listener(tcp-in):")
                .contains("    drop reason:\n        NO_SOCKET");
    }

    @Test
    void aClonedPacketIsFollowed() {
        // a packet socket on the client makes the kernel clone each outgoing skb for it
        Process tap = net.start(net.client(), "python3", "-c",
                "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)); "
                        + "[s.recv(65535) for _ in range(100)]");
        TracedRun.Output output;
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (net.exec(net.client(), "cat", "/proc/net/packet").out().lines().count() < 2
                    && System.currentTimeMillis() < deadline) {
                sleep(200);
            }
            try (TracedRun run = TracedRun.start("-p", "icmp", "-s", CLIENT, "-t", "skb_clone,net_dev_queue,"
                    + "netif_receive_skb,consume_skb,kfree_skb,packet_rcv")) {
                ping();
                output = run.stop();
            }
        } finally {
            tap.destroy();
        }
        assertThat(output.stdout()).as(output.toString())
                // the original and every clone of it are one life
                .containsPattern("\\*{17} [0-9a-f]{16}(,[0-9a-f]{16})+ \\*{15}")
                .contains("*packet is cloned*");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
