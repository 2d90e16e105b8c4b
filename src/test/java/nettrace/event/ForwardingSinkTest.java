package nettrace.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ForwardingSinkTest {
    /** A sink with a deadline, as lifecycle mode's while it holds lives. */
    private static final class Due implements EventSink {
        long idledAt = -1;

        @Override
        public void accept(SkbEvent event) {
        }

        @Override
        public void idle(long nowNanos) {
            idledAt = nowNanos;
        }

        @Override
        public long nextDeadline() {
            return 1234;
        }

        @Override
        public long completed() {
            return 5;
        }
    }

    @Test
    void theNextSinksDeadlineAndIdleWorkArePassedOn() {
        Due next = new Due();
        EventSink front = new ForwardingSink(next) {
            @Override
            public void accept(SkbEvent event) {
            }
        };
        assertThat(front.nextDeadline()).as("a run behind --record still wakes for lifecycle's grace")
                .isEqualTo(1234);
        front.idle(99);
        assertThat(next.idledAt).isEqualTo(99);
        assertThat(front.completed()).isEqualTo(5);
    }
}
