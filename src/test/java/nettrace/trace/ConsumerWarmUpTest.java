package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import nettrace.event.EventDecoder;
import nettrace.event.EventLayout;
import nettrace.event.EventSink;
import nettrace.event.SkbEvent;
import nettrace.libbpf.RingBuffer;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.lifecycle.SkbLife;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import org.junit.jupiter.api.Test;

class ConsumerWarmUpTest {
    private static final AttachPlan PLAN = Events.plan(
            Events.tracer("kfree_skb", "drop", Analyzer.DROP),
            Events.tracer("net_dev_queue", "link", Analyzer.DEFAULT),
            Events.tracer("nf_hook_slow", "netfilter", Analyzer.NF),
            Events.tracer("netif_rx", "link", Analyzer.DEFAULT),
            Events.tracer("net_dev_xmit", "link", Analyzer.RET),
            Events.tracer("consume_skb", "life", Analyzer.FREE));

    @Test
    void aPacketPassesThePlainTracersWithAReturnValueFirstAndEndsWhereItIsFreed() {
        assertThat(ConsumerWarmUp.path(PLAN)).containsExactly(4, 1, 3, 5);
    }

    @Test
    void theRecordsMakeLivesThatEndFreedButForOneInEightWhichTheNextRoundEnds() {
        List<SkbLife> lives = new ArrayList<>();
        EventSink tracker = new LifecycleTracker(new Collecting(lives), 0);
        int livesPerRound = 16;
        RingBuffer.withScratchView(ConsumerWarmUp.size(PLAN, livesPerRound), records -> {
            int count = ConsumerWarmUp.fill(records, PLAN, livesPerRound);
            assertThat(count).isEqualTo(16 * 4 - 2);
            long timestamp = ConsumerWarmUp.replay(records, count, EventLayout.SIZE, new EventDecoder(false), tracker,
                    1000);
            ConsumerWarmUp.replay(records, count, EventLayout.SIZE, new EventDecoder(false), tracker, timestamp);
        });
        tracker.finish();

        assertThat(lives).hasSize(32);
        assertThat(lives).filteredOn(life -> life.ending() == SkbLife.Ending.FREED).hasSize(28)
                .allSatisfy(life -> assertThat(life.events()).extracting(SkbEvent::tracer).containsExactly(4, 1, 3, 5));
        assertThat(lives).filteredOn(life -> life.ending() == SkbLife.Ending.REUSED).hasSize(2);
        assertThat(lives).filteredOn(life -> life.ending() == SkbLife.Ending.UNFINISHED).hasSize(2);
        SkbEvent first = lives.getFirst().events().getFirst();
        assertThat(first.startsLife()).isTrue();
        assertThat(first.hasReturnValue()).as("net_dev_xmit's return value").isTrue();
        assertThat(lives).extracting(life -> life.events().getFirst().packet().l4Protocol()).contains(6, 17);
    }

    @Test
    void aFailedWarmUpIsReportedAndDoesNotThrow() {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        ConsumerWarmUp.start(PLAN, false, () -> {
            throw new IllegalStateException("no sink");
        }, failure::set).end();
        assertThat(failure.get()).hasMessage("no sink");
    }

    @Test
    void aWarmUpRunsToItsEndUnlessEndedEarly() {
        List<SkbLife> lives = new ArrayList<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        ConsumerWarmUp.start(PLAN, true, () -> new LifecycleTracker(new Collecting(lives), 0), failure::set).join();
        assertThat(failure.get()).isNull();
        assertThat(lives).hasSizeGreaterThan(ConsumerWarmUp.LIVES);

        List<SkbLife> fewer = new ArrayList<>();
        ConsumerWarmUp.start(PLAN, false, () -> new LifecycleTracker(new Collecting(fewer), 0), failure::set).end();
        assertThat(fewer).hasSizeLessThan(lives.size());
    }

    private record Collecting(List<SkbLife> lives) implements LifeSink {
        @Override
        public void complete(SkbLife life) {
            lives.add(life);
        }
    }
}
