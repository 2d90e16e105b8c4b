package nettrace.lifecycle;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import nettrace.event.SkbEvent;

/**
 * One packet's life: every event of its skb (and of the clones made of it) from first sight
 * to free. Events may arrive out of timestamp order (they come from several CPUs); events()
 * returns them ordered.
 */
public final class SkbLife {
    /** How a life came to be printed. */
    public enum Ending {
        /** every skb of the life was freed */
        FREED,
        /** no event for a while: printed as it stands (an skb held in a queue, or freed untraced) */
        EXPIRED,
        /** tracing stopped before the life ended */
        UNFINISHED
    }

    private final List<SkbEvent> events = new ArrayList<>();
    private final Set<Long> addresses = new LinkedHashSet<>();
    private final Set<Long> alive = new LinkedHashSet<>();
    private long lastArrival;
    private long endTimestamp;
    private Ending ending;

    SkbLife(long skb, long arrival) {
        addresses.add(skb);
        alive.add(skb);
        lastArrival = arrival;
    }

    void add(SkbEvent event, long arrival) {
        events.add(event);
        lastArrival = arrival;
    }

    void addClone(long skb) {
        addresses.add(skb);
        alive.add(skb);
    }

    /** Marks skb freed; returns true when that was the last skb of the life alive. */
    boolean free(long skb, long timestamp) {
        alive.remove(skb);
        if (alive.isEmpty()) {
            endTimestamp = timestamp;
            return true;
        }
        return false;
    }

    boolean ended() {
        return alive.isEmpty();
    }

    long endTimestamp() {
        return endTimestamp;
    }

    long lastArrival() {
        return lastArrival;
    }

    void close(Ending how) {
        ending = how;
        events.sort(Comparator.comparingLong(SkbEvent::timestamp));
    }

    /** The events, in timestamp order once the life is closed. */
    public List<SkbEvent> events() {
        return events;
    }

    /** The skb addresses of this life: the first, then its clones. */
    public Set<Long> addresses() {
        return addresses;
    }

    public Ending ending() {
        return ending;
    }

    /** The life's last point: its last event, or the last before its free unless the free counts. */
    public SkbEvent lastPoint(boolean includeFree) {
        for (int i = events.size() - 1; i > 0; i--) {
            if (includeFree || !events.get(i).endsLife()) {
                return events.get(i);
            }
        }
        return events.getFirst();
    }

    /** Nanoseconds from the first point to the last (see lastPoint). */
    public long lifetime(boolean includeFree) {
        return events.isEmpty() ? 0 : lastPoint(includeFree).timestamp() - events.getFirst().timestamp();
    }

    public long firstTimestamp() {
        return events.isEmpty() ? 0 : events.getFirst().timestamp();
    }
}
