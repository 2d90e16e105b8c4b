package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import nettrace.testing.TracedRun;
import nettrace.testing.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ring buffer is mapped once, so a record that wraps around the end of its data area is
 * copied together before it is decoded. 20000 pings make ~100k events, over 14 MB of records:
 * the ring (4 MiB) wraps three times or more, and each time a record is most likely cut by its
 * end. Every event printed must still be one of those pings, whole.
 */
@Tag("kernel")
class RingWrapKernelTest {
    private static final String A = "10.199.122.1";
    private static final String B = "10.199.122.2";
    private static final int PINGS = 20_000;

    @RegisterExtension
    static final VethPair net = new VethPair("", "veth-a", List.of(A + "/24"), "veth-b", List.of(B + "/24"));

    @Test
    void recordsThatWrapAroundTheEndOfTheRingAreReadWhole() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "-p", "icmp", "-s", A, "-d", B)) {
            net.exec(net.a(), "ping", "-f", "-q", "-c", String.valueOf(PINGS), "-W", "2", B);
            output = run.stop();
        }
        List<String> events = output.events();
        assertThat(output.exitCode()).as(output.stderr()).isZero();
        assertThat(events.size()).as("events printed").isGreaterThan(PINGS);
        assertThat(events).allMatch(line -> line.matches(".*\\] ICMP: " + A.replace(".", "\\.") + " -> "
                + B.replace(".", "\\.") + " ping request, seq: \\d+, id: \\d+.*"), "a whole ping request");
    }
}
