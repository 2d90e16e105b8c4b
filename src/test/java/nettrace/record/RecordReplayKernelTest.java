package nettrace.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import nettrace.testing.InProcess;
import nettrace.testing.RoutedNetwork;
import nettrace.testing.TracedRun;
import nettrace.testing.Tshark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Record on a live run, look later: `nettrace replay` of a --record file prints exactly what the
 * live run printed, mode for mode, and writes the same packets for Wireshark; and a pcapng file
 * of a dropped ping shows each tracer it passed and the drop reason on the last.
 */
@Tag("kernel")
class RecordReplayKernelTest {
    private static final String CLIENT = "10.198.40.1";
    private static final String SERVER = "10.198.50.1";

    @RegisterExtension
    static final RoutedNetwork net = new RoutedNetwork("rr", "10.198.40", "10.198.50");

    @TempDir
    Path files;

    @BeforeAll
    static void buildTopology() {
        net.exec(net.router(), "nft", "add table inet rr; add chain inet rr forward { type filter hook forward"
                + " priority 0; }; add rule inet rr forward udp dport 7900 drop");
    }

    /** A ping that arrives, a datagram the router drops, one to a closed port: one of each kind of end. */
    private static void traffic() {
        net.exec(net.client(), "ping", "-c", "1", "-W", "1", SERVER);
        net.sendUdp(net.client(), SERVER, 7900, 10);
        net.sendUdp(net.client(), SERVER, 7901, 10);
    }

    private static String[] words(String options) {
        return options.isBlank() ? new String[0] : options.strip().split("\\s+");
    }

    private static String[] join(String[]... parts) {
        return Stream.of(parts).flatMap(Arrays::stream).toArray(String[]::new);
    }

    /** nettrace's command line run in this JVM, its stdout. */
    private static String run(String... arguments) {
        InProcess.Result result = InProcess.run(arguments);
        assertThat(result.code()).as("nettrace %s: %s", String.join(" ", arguments), result.err()).isZero();
        return result.out();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--basic", "--diag --diag-keep", "--drop", "--latency", "--basic --detail --date",
        "--diag --diag-keep --output json", "--output json", "--diag --diag-keep --tiny-show --latency-show"})
    void theReplayOfARunPrintsWhatTheRunPrinted(String mode) {
        Path record = files.resolve("run.json");
        String[] filter = {"--addr", SERVER};
        TracedRun.Output live;
        try (TracedRun run = TracedRun.start(join(words(mode), filter, new String[] {"--record", record.toString()}))) {
            traffic();
            live = run.stop();
        }
        assertThat(live.stdout()).as(live.toString()).contains(SERVER);
        String replayed = run(join(new String[] {"replay", record.toString()}, words(mode)));
        assertThat(replayed).isEqualTo(live.stdout());
    }

    @Test
    void aReplayFiltersAgainAndShowsOtherModes() {
        Path record = files.resolve("all.json");
        try (TracedRun run = TracedRun.start("--diag", "--diag-keep", "--addr", SERVER, "--record", record.toString())) {
            traffic();
            run.stop();
        }
        String udpOnly = run("replay", record.toString(), "-p", "udp");
        assertThat(udpOnly).contains("UDP: " + CLIENT).doesNotContain("ICMP: " + CLIENT);
        String dropped = run("replay", record.toString(), "--drop");
        assertThat(dropped.lines().filter(line -> line.startsWith("["))).isNotEmpty()
                .allMatch(line -> line.contains("[kfree_skb"))
                .anyMatch(line -> line.contains(":7900 *reason: NETFILTER_DROP"))
                .anyMatch(line -> line.contains(":7901 *reason: NO_SOCKET"));
        assertThat(run("replay", record.toString(), "-D", "7900", "--diag", "--diag-keep"))
                .contains("NETFILTER_DROP").doesNotContain(":7901"); // the port: a timestamp may hold 7901
    }

    @Test
    void aDroppedPingInWiresharkShowsEachTracerItPassedAndTheDropReasonOnTheLast() {
        net.exec(net.router(), "nft", "add rule inet rr forward icmp type echo-request drop");
        Path capture = files.resolve("drop.pcapng");
        Path record = files.resolve("drop.json");
        try {
            try (TracedRun run = TracedRun.start("--diag", "--diag-keep", "-p", "icmp", "-s", CLIENT, "--output",
                    "pcapng", "--output-file", capture.toString(), "--record", record.toString())) {
                net.tryExec(net.client(), "ping", "-c", "1", "-W", "1", SERVER);
                run.stop();
            }
        } finally {
            net.exec(net.router(), "nft", "flush chain inet rr forward; add rule inet rr forward udp dport 7900 drop");
        }
        Tshark tshark = Tshark.reading(capture);
        assertThat(tshark.summary()).isNotEmpty().noneMatch(line -> line.contains("Malformed"));
        List<Tshark.Frame> frames = tshark.frames("frame.interface_name", "ip.src", "ip.dst", "frame.comment");
        List<String> path = new ArrayList<>();
        frames.forEach(frame -> path.add(frame.field("frame.interface_name")));
        assertThat(frames).allSatisfy(frame -> {
            assertThat(frame.field("ip.src")).isEqualTo(CLIENT);
            assertThat(frame.all("frame.comment")).contains("life 1");
        });
        assertThat(path).as("the tracers in the order the ping passed them").startsWith("net_dev_queue")
                .endsWith("kfree_skb").contains("netif_receive_skb");
        assertThat(frames.getLast().all("frame.comment")).contains("drop reason: NETFILTER_DROP")
                .anyMatch(comment -> comment.startsWith("advice: ") && comment.contains("nft list ruleset"))
                .anyMatch(comment -> comment.startsWith("verdict: error"));

        String filtered = run("replay", record.toString(), "--drop", "-f", "icmp[icmptype] == icmp-echo");
        assertThat(filtered).contains("ICMP: " + CLIENT + " -> " + SERVER + " ping request");

        Path replayed = files.resolve("replayed.pcapng");
        run("replay", record.toString(), "--diag", "--diag-keep", "--output", "pcapng", "--output-file",
                replayed.toString());
        String[] fields = {"frame.time_epoch", "frame.interface_name", "frame.len", "frame.comment"};
        assertThat(Tshark.reading(replayed).frames(fields)).isEqualTo(tshark.frames(fields));
    }
}
