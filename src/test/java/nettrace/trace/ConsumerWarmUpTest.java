package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import nettrace.event.EventDecoder;
import nettrace.bpf.EventSizes;
import nettrace.event.EventSink;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.kernel.NetworkNamespaces;
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
    void theRecordsMakeLivesThatEndFreedButForOneInEightWhichALaterPacketAtItsAddressEnds() {
        List<SkbLife> lives = new ArrayList<>();
        EventSink tracker = new LifecycleTracker(new Collecting(lives), 0);
        int livesPerRound = 16;
        // two rounds are more than the ring holds: records cut by its end are read whole too
        try (RingBuffer ring = RingBuffer.inMemory(ConsumerWarmUp.RING_BYTES)) {
            RingBuffer.withScratchView(ConsumerWarmUp.size(PLAN, livesPerRound), records -> {
                int count = ConsumerWarmUp.fill(records, PLAN, livesPerRound);
                assertThat(count).isEqualTo(16 * 4 - 2);
                assertThat(2L * count * (EventSizes.NT_EVENT_PLAIN_SIZE + 8)).isGreaterThan(ConsumerWarmUp.RING_BYTES);
                long timestamp = ConsumerWarmUp.replay(ring, records, count, EventSizes.NT_EVENT_PLAIN_SIZE,
                        new EventDecoder(context(PLAN)), tracker, 1000);
                ConsumerWarmUp.replay(ring, records, count, EventSizes.NT_EVENT_PLAIN_SIZE,
                        new EventDecoder(context(PLAN)), tracker, timestamp);
            });
        }
        tracker.finish();

        assertThat(lives).hasSize(32);
        assertThat(lives).filteredOn(life -> life.ending() == SkbLife.Ending.FREED).hasSize(28)
                .allSatisfy(life -> assertThat(life.events()).extracting(event -> PLAN.planned().indexOf(PLAN.planned()
                        .stream().filter(p -> p.tracer() == event.tracer()).findFirst().orElseThrow()))
                        .containsExactly(4, 1, 3, 5));
        // lives 7 and 15 of each round are never freed: life 9 of the round and life 15 of the next
        // round take their addresses; the second round's life 15 is still open at the end
        assertThat(lives).filteredOn(life -> life.ending() == SkbLife.Ending.REUSED).hasSize(3);
        assertThat(lives).filteredOn(life -> life.ending() == SkbLife.Ending.UNFINISHED).hasSize(1);
        SkbEvent first = lives.getFirst().events().getFirst();
        assertThat(first.startsLife()).isTrue();
        assertThat(first.hasReturnValue()).as("net_dev_xmit's return value").isTrue();
        assertThat(lives).extracting(life -> life.events().getFirst().packet().l4Protocol()).contains(6, 17);
    }

    @Test
    void aFailedWarmUpIsReportedAndDoesNotThrow() {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        ConsumerWarmUp.start(PLAN, false, () -> context(PLAN), () -> {
            throw new IllegalStateException("no sink");
        }, failure::set).join();
        assertThat(failure.get()).hasMessage("no sink");
    }

    @Test
    void aWarmUpRunsToItsEndUnlessEndedEarly() {
        List<SkbLife> lives = new ArrayList<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        ConsumerWarmUp.start(PLAN, true, () -> context(PLAN), () -> new LifecycleTracker(new Collecting(lives), 0), failure::set).join();
        assertThat(failure.get()).isNull();
        assertThat(lives).hasSizeGreaterThan(ConsumerWarmUp.LIVES);

        List<SkbLife> fewer = new ArrayList<>();
        ConsumerWarmUp.start(PLAN, false, () -> context(PLAN), () -> new LifecycleTracker(new Collecting(fewer), 0), failure::set).end();
        assertThat(fewer).hasSizeLessThan(lives.size());
    }

    /** What decoding needs, with no kernel behind it: names as unknown as made-up records' are. */
    static DecodeContext context(AttachPlan plan) {
        return new DecodeContext(plan, AttachPlan.int32Returns(plan.planned()), new DropReasons(Map.of(), Map.of()),
                KernelSymbols.parse(""), id -> new long[0], NetworkNamespaces.madeUp());
    }

    private record Collecting(List<SkbLife> lives) implements LifeSink {
        @Override
        public void complete(SkbLife life) {
            lives.add(life);
        }
    }
}
