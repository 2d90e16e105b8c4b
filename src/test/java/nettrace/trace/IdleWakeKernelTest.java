package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import nettrace.testing.TracedRun;
import nettrace.testing.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A run with nothing to do sleeps until the kernel has a record for it or a deadline comes (no
 * periodic wake-up). The second of two pings a second apart comes to a run that has handled the
 * first and gone to sleep: it must be printed while the run goes on, not only at the stop.
 */
@Tag("kernel")
class IdleWakeKernelTest {
    private static final String A = "10.199.121.1";
    private static final String B = "10.199.121.2";

    @RegisterExtension
    static final VethPair net = new VethPair("", "veth-a", List.of(A + "/24"), "veth-b", List.of(B + "/24"));

    private static void twoPingsASecondApart() {
        net.exec(net.a(), "ping", "-c", "2", "-i", "1", "-W", "2", B);
    }

    @Test
    void aSleepingRunWakesForTheNextRecord() {
        try (TracedRun run = TracedRun.start("--basic", "-p", "icmp", "-s", A)) {
            twoPingsASecondApart();
            run.awaitOutput("ICMP: " + A + " -> " + B + " ping request, seq: 2");
            assertThat(run.stop().exitCode()).isZero();
        }
    }

    @Test
    void aSleepingRunHandsOnALifeThatCameAfterItWentToSleep() {
        try (TracedRun run = TracedRun.start("-p", "icmp", "-s", A)) {
            twoPingsASecondApart();
            run.awaitOutput("ICMP: " + A + " -> " + B + " ping request, seq: 2");
            assertThat(run.stop().exitCode()).isZero();
        }
    }
}
