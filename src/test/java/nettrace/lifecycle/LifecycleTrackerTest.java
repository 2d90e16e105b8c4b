package nettrace.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import nettrace.event.Location;
import nettrace.event.Outcome;
import nettrace.event.Packet;
import nettrace.bpf.EventFlags;
import nettrace.event.SkbEvent;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

class LifecycleTrackerTest {
    private static final Packet PACKET = new Packet(Packet.ETH_P_IP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 84, 0, 8, 0, 1,
            1, 0, 0);
    /** Tracers known by number: tracer 3 is named "3". */
    private static final Tracer[] TRACERS = java.util.stream.IntStream.range(0, 10)
            .mapToObj(n -> Events.tracer(Integer.toString(n), "g", Analyzer.DEFAULT)).toArray(Tracer[]::new);
    private static final int LIFE_NEW = EventFlags.EVENT_LIFE_NEW;
    private static final int LIFE_END = EventFlags.EVENT_LIFE_END;
    private final List<SkbLife> printed = new ArrayList<>();
    private long now = 1_000_000_000L;
    private final LifecycleTracker tracker = new LifecycleTracker(printed::add, 0, () -> now);

    private static SkbEvent event(long skb, long timestamp, int tracer, int flags) {
        return Events.at(TRACERS[tracer]).skb(skb).time(timestamp).flags(flags).packet(PACKET).build();
    }

    /** tracer's event of skb returning its clone. */
    private static SkbEvent cloning(long skb, long timestamp, int tracer, long clone) {
        return Events.at(TRACERS[tracer]).skb(skb).time(timestamp).packet(PACKET)
                .outcome(new nettrace.event.Outcome.Cloned(clone)).build();
    }

    /** An event of skb whose packet is in the data buffer head, with fingerprint 7 (all packets here). */
    private static SkbEvent inBuffer(long skb, long head, long timestamp, int flags) {
        return Events.at(TRACERS[1]).skb(skb).time(timestamp).flags(flags).packet(PACKET).buffer(head, 7).build();
    }

    private static int tracerNumber(SkbEvent event) {
        return Integer.parseInt(event.tracer().name());
    }

    private void later(long nanos) {
        now += nanos;
        tracker.idle(now);
    }

    @Test
    void aLifeIsPrintedInTimestampOrderOnceFreedAndTheGracePassed() {
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        tracker.accept(event(0xa, 300, 3, 0));
        tracker.accept(event(0xa, 200, 2, 0));
        tracker.accept(event(0xa, 400, 4, LIFE_END));
        later(LifecycleTracker.GRACE_NANOS / 2);
        assertThat(printed).isEmpty();
        tracker.accept(event(0xa, 350, 5, 0)); // late from another CPU, still in the grace period
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).hasSize(1);
        SkbLife life = printed.getFirst();
        assertThat(life.events()).extracting(LifecycleTrackerTest::tracerNumber).containsExactly(1, 2, 3, 5, 4);
        assertThat(life.ending()).isEqualTo(SkbLife.Ending.FREED);
        assertThat(tracker.completed()).isEqualTo(1);
        assertThat(tracker.held()).isZero();
    }

    @Test
    void aLateEventRestartsTheGraceFromWhenItArrived() {
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        tracker.accept(event(0xa, 200, 2, LIFE_END));
        later(LifecycleTracker.GRACE_NANOS - 1);
        tracker.accept(event(0xa, 150, 3, 0));
        later(2);
        assertThat(printed).as("the late event arrived 2 ns ago").isEmpty();
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> assertThat(life.events()).hasSize(3));
    }

    @Test
    void aReusedAddressStartsANewLife() {
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        tracker.accept(event(0xa, 200, 2, LIFE_END));
        tracker.accept(event(0xa, 300, 1, LIFE_NEW));
        tracker.accept(event(0xa, 400, 2, LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).hasSize(2);
        assertThat(printed).allSatisfy(life -> assertThat(life.events()).hasSize(2));
    }

    @Test
    void clonesJoinTheirParentsLifeWhichEndsWhenAllAreFreed() {
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        tracker.accept(cloning(0xa, 150, 7, 0xb));
        tracker.accept(event(0xb, 200, 2, 0));
        tracker.accept(event(0xa, 250, 9, LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).as("the clone is still alive").isEmpty();
        tracker.accept(event(0xb, 300, 9, LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).hasSize(1);
        assertThat(printed.getFirst().addresses()).containsExactly(0xaL, 0xbL);
        assertThat(printed.getFirst().events()).hasSize(5);
    }

    @Test
    void livesWithoutFurtherEventsExpireInsteadOfStayingForever() {
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        later(LifecycleTracker.EXPIRY_NANOS / 2);
        assertThat(printed).isEmpty();
        later(LifecycleTracker.EXPIRY_NANOS);
        assertThat(printed).hasSize(1);
        assertThat(printed.getFirst().ending()).isEqualTo(SkbLife.Ending.EXPIRED);
        assertThat(tracker.held()).isZero();
    }

    @Test
    void finishShowsWhatIsLeftAsUnfinished() {
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        tracker.accept(event(0xb, 50, 1, LIFE_NEW));
        tracker.finish();
        assertThat(printed).extracting(SkbLife::firstTimestamp).containsExactly(50L, 100L);
        assertThat(printed).allMatch(life -> life.ending() == SkbLife.Ending.UNFINISHED);
    }

    @Test
    void theCountLimitsLivesHandedOn() {
        LifecycleTracker limited = new LifecycleTracker(printed::add, 2, () -> now);
        for (long skb = 1; skb <= 5; skb++) {
            limited.accept(event(skb, skb * 10, 1, LIFE_NEW | LIFE_END));
        }
        now += LifecycleTracker.GRACE_NANOS;
        limited.idle(now);
        limited.finish();
        assertThat(printed).hasSize(2);
        assertThat(limited.completed()).isEqualTo(2);
    }

    @Test
    void aLifesStartSentWhenItsFunctionReturnedJoinsTheLifeItBegan() {
        // fexit: ip_output's event (with LIFE_NEW) comes after the forwarded packet's drop inside it
        tracker.accept(event(0xa, 200, 2, 0));
        tracker.accept(event(0xa, 300, 4, LIFE_END));
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        // the next packet in the same skb, again its start last
        tracker.accept(event(0xa, 600, 2, 0));
        tracker.accept(event(0xa, 500, 1, LIFE_NEW));
        tracker.accept(event(0xa, 700, 4, LIFE_END));
        now += LifecycleTracker.GRACE_NANOS;
        tracker.idle(now);
        tracker.finish();

        assertThat(printed).hasSize(2);
        assertThat(printed).allSatisfy(life -> assertThat(life.ending().endSeen()).isTrue());
        assertThat(printed.get(0).events()).extracting(SkbEvent::timestamp).containsExactlyInAnyOrder(100L, 200L, 300L);
        assertThat(printed.get(1).events()).extracting(SkbEvent::timestamp).containsExactlyInAnyOrder(500L, 600L, 700L);
    }

    @Test
    void livesThatBeganWhileTracersWereStillAttachingAreShownButNotCounted() {
        LifecycleTracker limited = new LifecycleTracker(printed::add, 2, () -> now);
        limited.tracingBegan(25);
        for (long skb = 1; skb <= 5; skb++) {
            limited.accept(event(skb, skb * 10, 1, LIFE_NEW | LIFE_END));
        }
        now += LifecycleTracker.GRACE_NANOS;
        limited.idle(now);
        limited.finish();
        // skbs 1 and 2 began at 10 and 20, before every tracer was attached at 25
        assertThat(printed).extracting(life -> life.events().getFirst().skb()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(limited.completed()).isEqualTo(2);
    }

    @Test
    void holdsABoundedNumberOfLives() {
        for (long skb = 1; skb <= LifecycleTracker.MAX_LIVES + 10; skb++) {
            tracker.accept(event(skb, skb, 1, LIFE_NEW));
        }
        assertThat(tracker.held()).isEqualTo(LifecycleTracker.MAX_LIVES);
        assertThat(printed).hasSize(10).allMatch(life -> life.ending() == SkbLife.Ending.SHOWN_EARLY);
    }

    @Test
    void holdsABoundedNumberOfEventsWhateverTheirLives() {
        int eventsPerLife = 64;
        int lives = LifecycleTracker.MAX_HELD_EVENTS / eventsPerLife + 5;
        for (long skb = 1; skb <= lives; skb++) {
            tracker.accept(event(skb, skb, 1, LIFE_NEW));
            for (int hit = 1; hit < eventsPerLife; hit++) {
                tracker.accept(event(skb, skb, 2, 0));
            }
        }
        assertThat(tracker.held()).isEqualTo(LifecycleTracker.MAX_HELD_EVENTS / eventsPerLife);
        assertThat(printed).hasSize(5).allMatch(life -> life.ending() == SkbLife.Ending.SHOWN_EARLY)
                .allMatch(life -> life.events().size() == eventsPerLife);
        assertThat(printed.getFirst().events().getFirst().skb()).isEqualTo(1);
    }

    @Test
    void aCopyMadeWhereNothingTracedJoinsTheLifeOfThePacketItCopies() {
        tracker.accept(inBuffer(0xa, 0x5000, 100, LIFE_NEW));
        tracker.accept(inBuffer(0xb, 0x5000, 200, LIFE_NEW | LIFE_END));
        tracker.accept(inBuffer(0xc, 0x5000, 300, LIFE_NEW | LIFE_END));
        tracker.accept(inBuffer(0xb, 0x5000, 400, LIFE_NEW | LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).as("the original is still queued").isEmpty();
        tracker.accept(inBuffer(0xa, 0x5000, 500, LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> {
            assertThat(life.addresses()).containsExactly(0xaL, 0xbL, 0xcL);
            assertThat(life.events()).hasSize(5);
            assertThat(life.ending()).isEqualTo(SkbLife.Ending.FREED);
        });
    }

    @Test
    void aCopyFreedBeforeItsOriginalIsFirstSeenStillJoinsIt() {
        tracker.accept(inBuffer(0xb, 0x5000, 100, LIFE_NEW | LIFE_END));
        later(LifecycleTracker.GRACE_NANOS / 2);
        tracker.accept(inBuffer(0xa, 0x5000, 150, LIFE_NEW));
        tracker.accept(inBuffer(0xa, 0x5000, 250, LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> assertThat(life.addresses())
                .containsExactly(0xbL, 0xaL));
    }

    /** skb's consume at function on cpu, its packet (fingerprint 7) in buffer head. */
    private static SkbEvent consumedAt(long skb, long head, long timestamp, String function, int cpu) {
        return Events.at(TRACERS[1]).skb(skb).time(timestamp).flags(LIFE_END).packet(PACKET).buffer(head, 7).cpu(cpu)
                .outcome(new Outcome.Consumed(new Location(function, 0x37b, 0))).build();
    }

    private static SkbEvent onCpu(long skb, long head, long fingerprint, long timestamp, int flags, int cpu) {
        return Events.at(TRACERS[1]).skb(skb).time(timestamp).flags(flags).packet(PACKET).buffer(head, fingerprint)
                .cpu(cpu).build();
    }

    @Test
    void aPacketCopiedForXdpGoesOnInTheCopysLife() {
        tracker.accept(onCpu(0xa, 0x5000, 7, 100, LIFE_NEW, 1));
        tracker.accept(consumedAt(0xa, 0x5000, 200, "skb_pp_cow_data", 1));
        tracker.accept(onCpu(0xb, 0x6000, 7, 300, LIFE_NEW | LIFE_END, 1));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> {
            assertThat(life.addresses()).containsExactly(0xaL, 0xbL);
            assertThat(life.events()).hasSize(3);
        });
    }

    @Test
    void onlyTheSamePacketOnTheSameCpuAfterACopysConsumeGoesOnInIt() {
        tracker.accept(onCpu(0xa, 0x5000, 7, 100, LIFE_NEW, 1));
        tracker.accept(consumedAt(0xa, 0x5000, 200, "skb_pp_cow_data", 1));
        tracker.accept(onCpu(0xb, 0x6000, 7, 300, LIFE_NEW | LIFE_END, 0));
        tracker.accept(onCpu(0xc, 0x7000, 8, 400, LIFE_NEW | LIFE_END, 1));
        tracker.accept(onCpu(0xd, 0x8000, 7, 500, LIFE_NEW, 2));
        tracker.accept(consumedAt(0xd, 0x8000, 600, "icmp_rcv", 2));
        tracker.accept(onCpu(0xe, 0x9000, 7, 700, LIFE_NEW | LIFE_END, 2));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).as("another CPU, another packet, a consume that ends the packet").hasSize(5)
                .allSatisfy(life -> assertThat(life.addresses()).hasSize(1));
    }

    @Test
    void anotherPacketInAnotherBufferIsAnotherLife() {
        tracker.accept(inBuffer(0xa, 0x5000, 100, LIFE_NEW));
        tracker.accept(inBuffer(0xb, 0x6000, 200, LIFE_NEW | LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> assertThat(life.addresses()).containsExactly(0xbL));
    }

    @Test
    void anAddressBackInANewPacketBeforeItsFreeWasSeenEndsTheOldLifeAsReused() {
        tracker.accept(inBuffer(0xa, 0x5000, 100, LIFE_NEW));
        tracker.accept(inBuffer(0xa, 0x6000, 200, LIFE_NEW));
        assertThat(printed).singleElement().satisfies(life -> {
            assertThat(life.ending()).isEqualTo(SkbLife.Ending.REUSED);
            assertThat(life.ending().endSeen()).isFalse();
        });
    }

    @Test
    void theNextDeadlineIsTheEndOfAGraceThenTheExpiryScanWhileLivesAreOpen() {
        assertThat(tracker.nextDeadline()).as("nothing held: no deadline").isEqualTo(Long.MAX_VALUE);
        tracker.accept(event(0xa, 100, 1, LIFE_NEW));
        tracker.accept(event(0xb, 100, 1, LIFE_NEW));
        tracker.accept(event(0xa, 200, 2, LIFE_END));
        assertThat(tracker.nextDeadline()).isEqualTo(now + LifecycleTracker.GRACE_NANOS);
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).hasSize(1);
        assertThat(tracker.nextDeadline()).as("0xb is open").isGreaterThan(now)
                .isLessThanOrEqualTo(now + LifecycleTracker.EXPIRY_NANOS);
        later(LifecycleTracker.EXPIRY_NANOS);
        assertThat(printed).hasSize(2);
        assertThat(tracker.nextDeadline()).as("nothing held again").isEqualTo(Long.MAX_VALUE);
    }
}
