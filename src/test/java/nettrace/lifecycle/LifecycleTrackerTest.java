package nettrace.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import org.junit.jupiter.api.Test;

class LifecycleTrackerTest {
    private static final Packet PACKET = new Packet(Packet.ETH_P_IP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 84, 0, 8, 0, 1,
            1, 0, 0);
    private final List<SkbLife> printed = new ArrayList<>();
    private long now = 1_000_000_000L;
    private final LifecycleTracker tracker = new LifecycleTracker(printed::add, 0, () -> now);

    private static SkbEvent event(long skb, long timestamp, int tracer, int flags) {
        return event(skb, timestamp, tracer, flags, 0);
    }

    private static SkbEvent event(long skb, long timestamp, int tracer, int flags, long argument) {
        return new SkbEvent(timestamp, skb, argument, 0, tracer, flags, 0, 1, 1, 1, "", "", PACKET, -1, null, null, skb << 4, 7, null);
    }

    /** An event of skb whose packet is in the data buffer head, with fingerprint 7 (all packets here). */
    private static SkbEvent inBuffer(long skb, long head, long timestamp, int flags) {
        return new SkbEvent(timestamp, skb, 0, 0, 1, flags, 0, 1, 1, 1, "", "", PACKET, -1, null, null, head, 7, null);
    }

    private void later(long nanos) {
        now += nanos;
        tracker.idle(now);
    }

    @Test
    void aLifeIsPrintedInTimestampOrderOnceFreedAndTheGracePassed() {
        tracker.accept(event(0xa, 100, 1, SkbEvent.LIFE_NEW));
        tracker.accept(event(0xa, 300, 3, 0));
        tracker.accept(event(0xa, 200, 2, 0));
        tracker.accept(event(0xa, 400, 4, SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS / 2);
        assertThat(printed).isEmpty();
        tracker.accept(event(0xa, 350, 5, 0)); // late from another CPU, still in the grace period
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).hasSize(1);
        SkbLife life = printed.getFirst();
        assertThat(life.events()).extracting(SkbEvent::tracer).containsExactly(1, 2, 3, 5, 4);
        assertThat(life.ending()).isEqualTo(SkbLife.Ending.FREED);
        assertThat(tracker.completed()).isEqualTo(1);
        assertThat(tracker.held()).isZero();
    }

    @Test
    void aLateEventRestartsTheGraceFromWhenItArrived() {
        tracker.accept(event(0xa, 100, 1, SkbEvent.LIFE_NEW));
        tracker.accept(event(0xa, 200, 2, SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS - 1);
        tracker.accept(event(0xa, 150, 3, 0));
        later(2);
        assertThat(printed).as("the late event arrived 2 ns ago").isEmpty();
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> assertThat(life.events()).hasSize(3));
    }

    @Test
    void aReusedAddressStartsANewLife() {
        tracker.accept(event(0xa, 100, 1, SkbEvent.LIFE_NEW));
        tracker.accept(event(0xa, 200, 2, SkbEvent.LIFE_END));
        tracker.accept(event(0xa, 300, 1, SkbEvent.LIFE_NEW));
        tracker.accept(event(0xa, 400, 2, SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).hasSize(2);
        assertThat(printed).allSatisfy(life -> assertThat(life.events()).hasSize(2));
    }

    @Test
    void clonesJoinTheirParentsLifeWhichEndsWhenAllAreFreed() {
        tracker.accept(event(0xa, 100, 1, SkbEvent.LIFE_NEW));
        tracker.accept(event(0xa, 150, 7, SkbEvent.HAS_RETURN | SkbEvent.CLONE, 0xb));
        tracker.accept(event(0xb, 200, 2, 0));
        tracker.accept(event(0xa, 250, 9, SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).as("the clone is still alive").isEmpty();
        tracker.accept(event(0xb, 300, 9, SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).hasSize(1);
        assertThat(printed.getFirst().addresses()).containsExactly(0xaL, 0xbL);
        assertThat(printed.getFirst().events()).hasSize(5);
    }

    @Test
    void livesWithoutFurtherEventsExpireInsteadOfStayingForever() {
        tracker.accept(event(0xa, 100, 1, SkbEvent.LIFE_NEW));
        later(LifecycleTracker.EXPIRY_NANOS / 2);
        assertThat(printed).isEmpty();
        later(LifecycleTracker.EXPIRY_NANOS);
        assertThat(printed).hasSize(1);
        assertThat(printed.getFirst().ending()).isEqualTo(SkbLife.Ending.EXPIRED);
        assertThat(tracker.held()).isZero();
    }

    @Test
    void finishShowsWhatIsLeftAsUnfinished() {
        tracker.accept(event(0xa, 100, 1, SkbEvent.LIFE_NEW));
        tracker.accept(event(0xb, 50, 1, SkbEvent.LIFE_NEW));
        tracker.finish();
        assertThat(printed).extracting(SkbLife::firstTimestamp).containsExactly(50L, 100L);
        assertThat(printed).allMatch(life -> life.ending() == SkbLife.Ending.UNFINISHED);
    }

    @Test
    void theCountLimitsLivesHandedOn() {
        LifecycleTracker limited = new LifecycleTracker(printed::add, 2, () -> now);
        for (long skb = 1; skb <= 5; skb++) {
            limited.accept(event(skb, skb * 10, 1, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END));
        }
        now += LifecycleTracker.GRACE_NANOS;
        limited.idle(now);
        limited.finish();
        assertThat(printed).hasSize(2);
        assertThat(limited.completed()).isEqualTo(2);
    }

    @Test
    void holdsABoundedNumberOfLives() {
        for (long skb = 1; skb <= LifecycleTracker.MAX_LIVES + 10; skb++) {
            tracker.accept(event(skb, skb, 1, SkbEvent.LIFE_NEW));
        }
        assertThat(tracker.held()).isEqualTo(LifecycleTracker.MAX_LIVES);
        assertThat(printed).hasSize(10).allMatch(life -> life.ending() == SkbLife.Ending.SHOWN_EARLY);
    }

    @Test
    void holdsABoundedNumberOfEventsWhateverTheirLives() {
        int eventsPerLife = 64;
        int lives = LifecycleTracker.MAX_HELD_EVENTS / eventsPerLife + 5;
        for (long skb = 1; skb <= lives; skb++) {
            tracker.accept(event(skb, skb, 1, SkbEvent.LIFE_NEW));
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
        tracker.accept(inBuffer(0xa, 0x5000, 100, SkbEvent.LIFE_NEW));
        tracker.accept(inBuffer(0xb, 0x5000, 200, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END));
        tracker.accept(inBuffer(0xc, 0x5000, 300, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END));
        tracker.accept(inBuffer(0xb, 0x5000, 400, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).as("the original is still queued").isEmpty();
        tracker.accept(inBuffer(0xa, 0x5000, 500, SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> {
            assertThat(life.addresses()).containsExactly(0xaL, 0xbL, 0xcL);
            assertThat(life.events()).hasSize(5);
            assertThat(life.ending()).isEqualTo(SkbLife.Ending.FREED);
        });
    }

    @Test
    void aCopyFreedBeforeItsOriginalIsFirstSeenStillJoinsIt() {
        tracker.accept(inBuffer(0xb, 0x5000, 100, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS / 2);
        tracker.accept(inBuffer(0xa, 0x5000, 150, SkbEvent.LIFE_NEW));
        tracker.accept(inBuffer(0xa, 0x5000, 250, SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> assertThat(life.addresses())
                .containsExactly(0xbL, 0xaL));
    }

    @Test
    void anotherPacketInAnotherBufferIsAnotherLife() {
        tracker.accept(inBuffer(0xa, 0x5000, 100, SkbEvent.LIFE_NEW));
        tracker.accept(inBuffer(0xb, 0x6000, 200, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END));
        later(LifecycleTracker.GRACE_NANOS);
        assertThat(printed).singleElement().satisfies(life -> assertThat(life.addresses()).containsExactly(0xbL));
    }

    @Test
    void anAddressBackInANewPacketBeforeItsFreeWasSeenEndsTheOldLifeAsReused() {
        tracker.accept(inBuffer(0xa, 0x5000, 100, SkbEvent.LIFE_NEW));
        tracker.accept(inBuffer(0xa, 0x6000, 200, SkbEvent.LIFE_NEW));
        assertThat(printed).singleElement().satisfies(life -> {
            assertThat(life.ending()).isEqualTo(SkbLife.Ending.REUSED);
            assertThat(life.ending().endSeen()).isFalse();
        });
    }
}
