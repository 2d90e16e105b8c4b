package nettrace.lifecycle;

import com.carrotsearch.hppc.IntObjectHashMap;
import com.carrotsearch.hppc.LongObjectHashMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import nettrace.event.EventSink;
import nettrace.event.Outcome;
import nettrace.event.SkbEvent;

/**
 * Groups events into skb lives (SPEC lifecycle mode). The BPF side decides which skbs are
 * followed; here events are collected per skb address (clones join their parent's life),
 * and a life is handed on once it ended and a grace period passed for late events from other
 * CPUs. Lives that stop getting events expire, so memory stays bounded.
 */
public final class LifecycleTracker implements EventSink {
    /**
     * Wait after a free for events still in flight from other CPUs. All CPUs write to one ring
     * in the order they reserve, so an event of the life from another CPU can only trail the free
     * by the microseconds between its program's start and its reservation. The wait is short so
     * ended lives die young in the JVM's heap: at a million events a second, 20 ms of them
     * overflowed the young generation's survivor space into the old one, and full collections
     * (long enough to overflow the ring) followed every second.
     */
    static final long GRACE_NANOS = 5_000_000L;
    /** A life with no event for this long is shown as it stands. */
    static final long EXPIRY_NANOS = 5_000_000_000L;
    /**
     * At most this many lives are held at once; the oldest are shown early beyond it. Lives whose
     * free no tracer sees (UDP's receive path on 6.18 frees most skbs that way) wait for their
     * address to come back: at 100,000 packets a second 16,384 of them held 12 MB, more than the
     * young generation keeps, and full collections every few hundred milliseconds lost events.
     * At 50,000 packets a second this many shows 3 % of lives early.
     */
    static final int MAX_LIVES = 4_096;
    /**
     * At most this many events are held in all lives together (about 120 bytes each, so the heap
     * stays bounded with -t all's long lives too); the oldest lives are shown early beyond it.
     */
    static final int MAX_HELD_EVENTS = 32_768;

    private final LifeSink sink;
    private final LongObjectHashMap<SkbLife> byAddress = new LongObjectHashMap<>();
    /** the lives not yet handed on, by the data buffer their packet is in */
    private final LongObjectHashMap<SkbLife> byHead = new LongObjectHashMap<>();
    private final Deque<SkbLife> ended = new ArrayDeque<>();
    /** per CPU, the ended life whose packet a copy made there went on in (Outcome.Consumed.handedOn) */
    private final IntObjectHashMap<SkbLife> handedOn = new IntObjectHashMap<>();
    /** the open lives (not ended) as a list linked through the lives, oldest first */
    private SkbLife oldest;
    private SkbLife newest;
    private int open;
    private int heldEvents;
    private final java.util.function.LongSupplier clock;
    private static final long EXPIRY_SCAN_NANOS = 1_000_000_000L;
    private long completed;
    /** lives that began before this (every tracer attached) are handed on but not counted by -c */
    private long tracingBegan = Long.MIN_VALUE;
    private long lastExpiryScan;
    private static final int CLOCK_READ_EVERY = 32;
    private long batchClock;
    private int eventsUntilClockRead;

    private final long limit;

    /** @param limit hand on at most this many lives (-c), 0 for no limit */
    public LifecycleTracker(LifeSink sink, long limit) {
        this(sink, limit, System::nanoTime);
    }

    LifecycleTracker(LifeSink sink, long limit, java.util.function.LongSupplier clock) {
        this.sink = sink;
        this.limit = limit;
        this.clock = clock;
    }

    @Override
    public void accept(SkbEvent event) {
        long now = arrivalTime();
        SkbLife life = byAddress.get(event.skb());
        if (life != null && !life.ended() && event.startsLife() && life.freed(event.skb())) {
            // a clone of the life was freed, and its address is another skb's now
            byAddress.remove(event.skb());
            life = null;
        }
        // A function traced with its return value sends its event when it returns, after the
        // points the packet passed inside it: a start of a life from before this life's latest
        // point is this life's start, not a new packet's (with fentry and fexit, ip_output's
        // event comes after the forwarded packet's drop).
        if (life == null || (event.startsLife() && event.timestamp() > life.latestTimestamp())
                || (life.ended() && event.timestamp() > life.endTimestamp())) {
            if (life != null && !life.ended()) {
                close(life, SkbLife.Ending.REUSED);
            }
            life = copiedLife(event);
            if (life == null) {
                life = handedOnLife(event);
            }
            if (life != null) {
                life.addClone(event.skb());
            } else {
                life = new SkbLife(event.skb(), now);
                link(life);
                if (open > MAX_LIVES) {
                    close(oldest, SkbLife.Ending.SHOWN_EARLY);
                }
            }
            byAddress.put(event.skb(), life);
        }
        long head = life.head();
        life.add(event, now);
        if (life.head() != head) {
            removeIfMapped(byHead, head, life);
            byHead.put(life.head(), life);
        }
        heldEvents++;
        if (event.madeClone()) {
            life.addClone(event.cloneAddress());
            byAddress.put(event.cloneAddress(), life);
        }
        if (event.endsLife() && !life.ended() && life.free(event.skb(), event.timestamp())) {
            unlink(life);
            ended.add(life);
            if (event.outcome() instanceof Outcome.Consumed consumed && consumed.handedOn()) {
                handedOn.put(event.cpu(), life);
            }
        }
        while (heldEvents > MAX_HELD_EVENTS) {
            if (!ended.isEmpty()) {
                finish(ended.pollFirst(), SkbLife.Ending.FREED);
            } else {
                close(oldest, SkbLife.Ending.SHOWN_EARLY);
            }
        }
    }

    /**
     * The life an skb seen for the first time shares its packet with: a clone made where nothing
     * traced it (the neighbour layer's probes of a queued packet, a tap's copy) shares its
     * original's data buffer and holds the same packet. Either may be seen first: a copy freed
     * before its original's first event is still waiting out its grace period, and is taken back
     * into the open lives. Null when there is none.
     */
    private SkbLife copiedLife(SkbEvent event) {
        SkbLife original = byHead.get(event.head());
        if (original == null || original.closed() || !original.sharesDataWith(event)) {
            return null;
        }
        if (original.ended()) {
            if (original.has(event.skb())) {
                return null; // the same address again after its free: a new skb, even with a copy of the packet
            }
            ended.remove(original);
            link(original);
        }
        return original;
    }

    /**
     * The ended life an skb seen for the first time goes on: the copy its packet was consumed into on
     * this CPU (XDP's own copy of a veth packet), recognised by the packet's fingerprint while the
     * original waits out its grace period. Null when there is none.
     */
    private SkbLife handedOnLife(SkbEvent event) {
        SkbLife original = handedOn.get(event.cpu());
        if (original == null || original.closed() || !original.ended() || event.fingerprint() == 0
                || event.fingerprint() != original.fingerprint() || original.has(event.skb())) {
            return null;
        }
        handedOn.remove(event.cpu());
        ended.remove(original);
        link(original);
        return original;
    }

    /**
     * The clock read once per CLOCK_READ_EVERY events of a batch (a read costs as much as grouping
     * the event): arrival times are then late by at most the microseconds those events take,
     * nothing next to GRACE_NANOS. idle() ends a batch, so the next event reads it afresh.
     */
    private long arrivalTime() {
        if (eventsUntilClockRead == 0) {
            eventsUntilClockRead = CLOCK_READ_EVERY;
            batchClock = clock.getAsLong();
        }
        eventsUntilClockRead--;
        return batchClock;
    }

    private void link(SkbLife life) {
        life.older = newest;
        if (newest != null) {
            newest.newer = life;
        } else {
            oldest = life;
        }
        newest = life;
        open++;
    }

    private void unlink(SkbLife life) {
        if (life.older != null) {
            life.older.newer = life.newer;
        } else {
            oldest = life.newer;
        }
        if (life.newer != null) {
            life.newer.older = life.older;
        } else {
            newest = life.older;
        }
        life.older = null;
        life.newer = null;
        open--;
    }

    @Override
    public void idle(long nowNanos) {
        eventsUntilClockRead = 0;
        long now = clock.getAsLong();
        while (!ended.isEmpty() && now - ended.peekFirst().lastArrival() >= GRACE_NANOS) {
            SkbLife life = ended.pollFirst();
            finish(life, SkbLife.Ending.FREED);
        }
        if (now - lastExpiryScan >= EXPIRY_SCAN_NANOS) {
            lastExpiryScan = now;
            List<SkbLife> stale = new ArrayList<>();
            for (SkbLife life = oldest; life != null; life = life.newer) {
                if (now - life.lastArrival() >= EXPIRY_NANOS) {
                    stale.add(life);
                }
            }
            stale.forEach(life -> close(life, SkbLife.Ending.EXPIRED));
        }
        sink.flush();
    }

    /**
     * The end of the first ended life's grace, else while lives are open the next expiry scan
     * (so an idle run wakes at most once a second, and only while it holds lives).
     */
    @Override
    public long nextDeadline() {
        if (!ended.isEmpty()) {
            return ended.peekFirst().lastArrival() + GRACE_NANOS;
        }
        return open > 0 ? lastExpiryScan + EXPIRY_SCAN_NANOS : Long.MAX_VALUE;
    }

    /** Closes a life that has not ended. */
    private void close(SkbLife life, SkbLife.Ending how) {
        unlink(life);
        finish(life, how);
    }

    private void finish(SkbLife life, SkbLife.Ending how) {
        for (int i = 0; i < life.addressCount(); i++) {
            removeIfMapped(byAddress, life.address(i), life);
        }
        removeIfMapped(byHead, life.head(), life);
        if (!handedOn.isEmpty()) {
            handedOn.removeAll((cpu, original) -> original == life);
        }
        heldEvents -= life.events().size();
        if (limit > 0 && completed >= limit) {
            return;
        }
        life.close(how);
        // such a life was seen by the tracers attached so far only: its end may be missing
        if (life.firstTimestamp() >= tracingBegan) {
            completed++;
        }
        sink.complete(life);
    }

    private static void removeIfMapped(LongObjectHashMap<SkbLife> map, long key, SkbLife life) {
        int slot = map.indexOf(key);
        if (map.indexExists(slot) && map.indexGet(slot) == life) {
            map.indexRemove(slot);
        }
    }

    @Override
    public void finish() {
        List<SkbLife> remaining = new ArrayList<>(ended);
        ended.clear();
        remaining.forEach(life -> finish(life, SkbLife.Ending.FREED));
        List<SkbLife> unfinished = new ArrayList<>();
        for (SkbLife life = oldest; life != null; life = life.newer) {
            unfinished.add(life);
        }
        unfinished.sort(Comparator.comparingLong(SkbLife::firstTimestamp));
        unfinished.forEach(life -> close(life, SkbLife.Ending.UNFINISHED));
        sink.flush();
    }

    @Override
    public void tracingBegan(long nowNanos) {
        tracingBegan = nowNanos;
    }

    @Override
    public long completed() {
        return completed;
    }

    /** Lives held right now (for tests and memory accounting). */
    int held() {
        return open + ended.size();
    }
}
