package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceLoopTest {
    @Test
    void aWaitEndsAtItsDeadlineNeverBefore() {
        assertThat(TraceLoop.millisUntil(Long.MAX_VALUE, 5)).as("no deadline: no limit").isEqualTo(-1);
        assertThat(TraceLoop.millisUntil(1_000, 1_000)).as("due now").isZero();
        assertThat(TraceLoop.millisUntil(1_000, 2_000)).as("past").isZero();
        assertThat(TraceLoop.millisUntil(1_000_001, 1_000_000)).as("1 ns away: rounded up").isEqualTo(1);
        assertThat(TraceLoop.millisUntil(5_000_000, 0)).isEqualTo(5);
        assertThat(TraceLoop.millisUntil(Long.MAX_VALUE - 1, 0)).isEqualTo(Integer.MAX_VALUE);
    }
}
