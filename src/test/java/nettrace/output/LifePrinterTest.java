package nettrace.output;

import static nettrace.testing.Events.CONSUME_SKB;
import static nettrace.testing.Events.at;
import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import nettrace.bpf.EventFlags;
import nettrace.event.Outcome;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

class LifePrinterTest {
    private static final Tracer CLONE = tracer("skb_clone", "life", Analyzer.CLONE);

    @Test
    void aLifesHeaderNamesItsSkbThenItsClonesInHexadecimal() {
        long skb = 0xffff888003a1c900L;
        long clone = 0x1L;
        List<SkbLife> done = new ArrayList<>();
        LifecycleTracker tracker = new LifecycleTracker(done::add, 0);
        tracker.accept(at(CLONE).time(1_000L).skb(skb).flags(EventFlags.EVENT_LIFE_NEW | EventFlags.EVENT_CLONE)
                .outcome(new Outcome.Cloned(clone)).build());
        tracker.accept(at(CONSUME_SKB).time(2_000L).skb(clone).flags(EventFlags.EVENT_LIFE_END).build());
        tracker.finish();

        assertThat(done).hasSize(1);
        assertThat(LifePrinter.header(done.getFirst()))
                .isEqualTo("***************** " + Long.toHexString(skb) + "," + Long.toHexString(clone)
                        + " ***************")
                .isEqualTo("***************** ffff888003a1c900,1 ***************");
    }
}
