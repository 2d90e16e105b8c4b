package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import nettrace.testing.Shell;
import nettrace.testing.TracedRun;
import nettrace.testing.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The drop monitor, socket events, RTT, latency, function statistics, stacks and the rate limit. */
@Tag("kernel")
class ModesKernelTest {
    private static final String A = "10.199.70.1";
    private static final String B = "10.199.70.2";

    @RegisterExtension
    static final VethPair net = new VethPair("m", "eth0", List.of(A + "/24"), "eth0", List.of(B + "/24"));

    /** A short TCP connection from A to B:port carrying `bytes`. */
    private static void tcpTransfer(int port, int bytes) {
        Process server = net.start(net.b(), "sh", "-c", "nc -l -p " + port + " > /dev/null");
        try {
            Thread.sleep(200);
            net.tryExec(net.a(), "sh", "-c", "head -c " + bytes + " /dev/zero | nc -w2 -N " + B + " " + port);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.destroy();
        }
    }

    @Test
    void dropMonitorShowsEachDropWithReasonLocationAndStack() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--drop-stack", "-p", "udp", "-D", "7801")) {
            net.sendUdp(net.a(), B, 7801, 8);
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString()).singleElement().asString()
                .contains("[kfree_skb ")
                .contains("UDP: " + A + ":")
                .matches(".*\\*reason: NO_SOCKET, \\w+\\+0x[0-9a-f]+\\*$");
        List<String> stack = output.lines().stream().filter(line -> line.startsWith("    ")).toList();
        assertThat(stack).as(output.toString()).isNotEmpty()
                .noneMatch(frame -> frame.contains("bpf_prog_") || frame.contains("__traceiter_"))
                .anyMatch(frame -> frame.contains("udp"));
    }

    @Test
    void dropMonitorIsFilteredLikeBasicMode() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--drop", "-D", "7802")) {
            net.sendUdp(net.a(), B, 7803, 8);
            net.sendUdp(net.a(), B, 7802, 8);
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString()).isNotEmpty().allMatch(line -> line.contains(":7802 "));
    }

    @Test
    void socketModeShowsAConnectionsStateChanges() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--sock", "--port", "7810")) {
            tcpTransfer(7810, 1000);
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString())
                .anyMatch(line -> line.contains("[inet_sock_set_state ") && line.contains("SYN_SENT -> ESTABLISHED")
                        && line.contains("TCP: " + A + ":") && line.contains(" -> " + B + ":7810"))
                .anyMatch(line -> line.contains("SYN_RECV -> ESTABLISHED"))
                .anyMatch(line -> line.contains("-> CLOSE"))
                .allMatch(line -> line.contains(":7810"));
    }

    @Test
    void rttShowsAHistogramOfTheTransfersRoundTrips() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--rtt", "--port", "7820")) {
            tcpTransfer(7820, 2_000_000);
            output = run.stop();
        }
        assertThat(output.stdout()).as(output.toString())
                .containsPattern("TCP round-trip time \\(srtt\\), [1-9]\\d* in the last second:")
                .contains("usecs : count    distribution")
                .containsPattern("\\d+ -> \\d+ +: [1-9]\\d* +\\|\\*+ *\\|");
    }

    @Test
    void rttFilterLeavesOutFasterSamples() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--rtt-detail", "--port", "7821", "--filter-srtt", "1000")) {
            tcpTransfer(7821, 200_000);
            output = run.stop();
        }
        assertThat(output.events()).as("no sample of a veth pair takes a second: " + output).isEmpty();
        assertThat(output.stdout()).contains("TCP round-trip time (srtt), 0 in the last second:");
    }

    @Test
    void latencyShowsOneLinePerSkbAndMinLatencyHidesFastOnes() {
        TracedRun.Output all;
        try (TracedRun run = TracedRun.start("--latency", "-p", "icmp", "-s", A)) {
            net.exec(net.a(), "ping", "-c", "1", "-W", "2", B);
            all = run.stop();
        }
        assertThat(all.events()).as(all.toString())
                .anyMatch(line -> line.matches("\\[\\d+\\.\\d{6}] \\[net_dev_queue -> \\w+ +] ICMP: " + A + " -> " + B
                        + " ping request, seq: 1, id: \\d+ latency: \\d+\\.\\d{3}ms$"));
        TracedRun.Output slowOnly;
        try (TracedRun run = TracedRun.start("--latency", "-p", "icmp", "-s", A, "--min-latency", "500000")) {
            net.exec(net.a(), "ping", "-c", "1", "-W", "2", B);
            slowOnly = run.stop();
        }
        assertThat(slowOnly.events()).as("no veth hop takes half a second: " + slowOnly).isEmpty();
    }

    @Test
    void aPacketDelayedByNetemIsTheOnlyOneAboveTheLatencyThreshold() {
        try (VethPair delayed = new VethPair("slow", "eth0", List.of("10.199.71.1/24"), "eth0",
                List.of("10.199.71.2/24")).build()) {
            String slow = delayed.a();
            String peer = delayed.b();
            Shell.Result netem = delayed.tryExec(slow, "tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay",
                    "200ms");
            assumeTrue(netem.code() == 0, "this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): "
                    + netem.err().strip());
            TracedRun.Output output;
            try (TracedRun run = TracedRun.start("--latency", "-p", "icmp", "--min-latency", "100000")) {
                net.exec(net.a(), "ping", "-c", "1", "-W", "2", B);
                delayed.exec(slow, "ping", "-c", "1", "-W", "3", "10.199.71.2");
                output = run.stop();
            }
            assertThat(output.events()).as(output.toString()).isNotEmpty()
                    .allMatch(line -> line.contains("10.199.71."))
                    .anyMatch(line -> line.matches(".*ICMP: 10\\.199\\.71\\.1 -> 10\\.199\\.71\\.2 ping request.* "
                            + "latency: 2\\d\\d\\.\\d{3}ms$"));
        }
    }

    @Test
    void latencyShowAddsPerHopDeltasAndATotal() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-p", "icmp", "-s", A, "--latency-show")) {
            net.exec(net.a(), "ping", "-c", "1", "-W", "2", B);
            output = run.stop();
        }
        assertThat(output.lines()).as(output.toString())
                .anyMatch(line -> line.matches(".*ping request.* latency: \\d+\\.\\d{3}ms$"))
                .anyMatch(line -> line.matches("total latency: \\d+\\.\\d{3}ms"));
    }

    @Test
    void functionStatisticsCountHitsPerTracer() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--func-stats", "-p", "icmp", "--addr", B)) {
            net.exec(net.a(), "ping", "-c", "3", "-i", "0.2", "-W", "2", B);
            output = run.stop();
        }
        assertThat(output.stdout()).as(output.toString())
                .containsPattern("hits per tracer, [1-9]\\d* in the last second:")
                .containsPattern("\\n  netif_receive_skb +[1-9]\\d*\\n");
        assertThat(output.events()).isEmpty();
    }

    @Test
    void traceStackPrintsTheStackUnderTheNamedTracersOnly() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "-p", "icmp", "-s", A, "--trace-stack", "net_dev_queue")) {
            net.exec(net.a(), "ping", "-c", "1", "-W", "2", B);
            output = run.stop();
        }
        List<String> lines = output.lines();
        int queue = lines.indexOf(lines.stream().filter(line -> line.contains("[net_dev_queue ")).findFirst()
                .orElseThrow(() -> new AssertionError(output.toString())));
        assertThat(lines.get(queue + 1)).as(output.toString()).startsWith("    ");
        assertThat(lines.subList(queue + 1, lines.size()).stream().takeWhile(line -> line.startsWith("    ")))
                .anyMatch(frame -> frame.contains("dev_queue_xmit") || frame.contains("ip_finish_output"));
        int receive = lines.indexOf(lines.stream().filter(line -> line.contains("[netif_receive_skb "))
                .findFirst().orElseThrow());
        assertThat(receive + 1 < lines.size() ? lines.get(receive + 1) : "").doesNotStartWith("    ");
    }

    @Test
    void rateLimitHoldsBackEventsBeyondTheRate() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "-p", "icmp", "--addr", B, "--rate-limit", "4")) {
            net.exec(net.a(), "ping", "-c", "30", "-i", "0.01", "-W", "2", B);
            output = run.stop();
        }
        // 30 requests and 30 replies pass five or more hooks each: far more than a few per second
        assertThat(output.events()).as(output.toString()).hasSizeBetween(1, 20);
        assertThat(output.stderr()).containsPattern("nettrace: [1-9]\\d* events held back by --rate-limit");
    }
}
