package nettrace.lifecycle;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import nettrace.event.SkbEvent;

/**
 * One packet's life: every event of its skb (and of the clones made of it) from first sight
 * to free. Events may arrive out of timestamp order (they come from several CPUs); events()
 * returns them ordered.
 */
public final class SkbLife {
    /** How a life came to be printed. */
    public enum Ending {
        /** every skb of the life was seen freed (consumed or dropped) */
        FREED(true, "every skb was freed"),
        /** no event for a while: printed as it stands (an skb held in a queue, or freed untraced) */
        EXPIRED(false, "no event for 5 s: the skb waits in a queue, or was freed where nothing traces"),
        /** its address came back in another packet: it was freed where nothing traces */
        REUSED(false, "its address came back in another packet: it was freed where nothing traces"),
        /** shown before its end to keep memory bounded: too many lives or events were held */
        SHOWN_EARLY(false, "shown before its end: more lives were open than nettrace holds at once"),
        /** tracing stopped before the life ended */
        UNFINISHED(false, "tracing stopped before this skb was freed");

        private final boolean endSeen;
        private final String description;
        private final String noEndSeen;
        private final String id;

        Ending(boolean endSeen, String description) {
            this.endSeen = endSeen;
            this.description = description;
            this.noEndSeen = "no end seen: " + description;
            this.id = name().toLowerCase(Locale.ROOT);
        }

        /** The name in lower case, as JSON output writes it ("shown_early"). */
        public String id() {
            return id;
        }

        /** "no end seen: " and the description, written once (a flood ends most lives this way). */
        public String noEndSeen() {
            return noEndSeen;
        }

        /** True when the life's end was seen; otherwise nothing is known of how it ended. */
        public boolean endSeen() {
            return endSeen;
        }

        /** What is known of the end, in a phrase: "tracing stopped before this skb was freed". */
        public String description() {
            return description;
        }
    }

    private final List<SkbEvent> events = new ArrayList<>(8);
    /** the skb addresses of the life, the first skb then its clones (most lives have one) */
    private long[] addresses;
    private boolean[] freed;
    private int addressCount;
    private int aliveCount;
    /** neighbours in the tracker's list of open lives, oldest first */
    SkbLife older;
    SkbLife newer;
    private long lastArrival;
    private long endTimestamp;
    private Ending ending;
    /** the data buffer and packet fingerprint of the life's latest event: how its clones are recognised */
    private long head;
    private long fingerprint;
    private long latestTimestamp = Long.MIN_VALUE;

    SkbLife(long skb, long arrival) {
        addresses = new long[] {skb};
        freed = new boolean[1];
        addressCount = 1;
        aliveCount = 1;
        lastArrival = arrival;
    }

    void add(SkbEvent event, long arrival) {
        events.add(event);
        lastArrival = arrival;
        if (event.timestamp() < latestTimestamp) {
            return; // a function's exit, sent after later points: its buffer is not the latest
        }
        latestTimestamp = event.timestamp();
        if (event.head() != 0) {
            head = event.head();
            fingerprint = event.fingerprint();
        }
    }

    /** The time of the life's latest point so far (events arrive in the order they were sent). */
    long latestTimestamp() {
        return latestTimestamp;
    }

    long head() {
        return head;
    }

    long fingerprint() {
        return fingerprint;
    }

    /** True when skb's event shows a copy of this life's packet: the same data buffer, the same packet. */
    boolean sharesDataWith(SkbEvent event) {
        return event.head() != 0 && event.head() == head && event.fingerprint() != 0
                && event.fingerprint() == fingerprint;
    }

    void addClone(long skb) {
        for (int i = 0; i < addressCount; i++) {
            if (addresses[i] == skb) {
                if (freed[i]) {
                    // a clone freed earlier, its address now a new clone's
                    freed[i] = false;
                    aliveCount++;
                }
                return;
            }
        }
        if (addressCount == addresses.length) {
            addresses = java.util.Arrays.copyOf(addresses, addressCount * 2);
            freed = java.util.Arrays.copyOf(freed, addressCount * 2);
        }
        addresses[addressCount++] = skb;
        aliveCount++;
    }

    /** Marks skb freed; returns true when that was the last skb of the life alive. */
    boolean free(long skb, long timestamp) {
        for (int i = 0; i < addressCount; i++) {
            if (addresses[i] == skb && !freed[i]) {
                freed[i] = true;
                aliveCount--;
                break;
            }
        }
        if (aliveCount == 0) {
            endTimestamp = timestamp;
            return true;
        }
        return false;
    }

    boolean has(long skb) {
        return indexOf(skb) >= 0;
    }

    /** True when this address belongs to the life and was freed: a new event there is another skb. */
    boolean freed(long skb) {
        int index = indexOf(skb);
        return index >= 0 && freed[index];
    }

    /** The first index i with address(i) == skb, or -1 when the address is not the life's. */
    public int indexOf(long skb) {
        for (int i = 0; i < addressCount; i++) {
            if (addresses[i] == skb) {
                return i;
            }
        }
        return -1;
    }

    boolean ended() {
        return aliveCount == 0;
    }

    boolean closed() {
        return ending != null;
    }

    long endTimestamp() {
        return endTimestamp;
    }

    long lastArrival() {
        return lastArrival;
    }

    void close(Ending how) {
        ending = how;
        for (int i = 1; i < events.size(); i++) {
            if (events.get(i).timestamp() < events.get(i - 1).timestamp()) {
                events.sort(Comparator.comparingLong(SkbEvent::timestamp));
                break;
            }
        }
    }

    /** The events, in timestamp order once the life is closed. */
    public List<SkbEvent> events() {
        return events;
    }

    /** How many skb addresses the life has: address(0) is its first skb's, then its clones'. */
    public int addressCount() {
        return addressCount;
    }

    public long address(int index) {
        return addresses[Objects.checkIndex(index, addressCount)];
    }

    /** The skb addresses of this life: the first, then its clones. */
    public long[] addresses() {
        return java.util.Arrays.copyOf(addresses, addressCount);
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
