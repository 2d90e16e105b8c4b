package nettrace.event;

import java.util.Arrays;

/**
 * Which skb a frag_list member's free belongs to. The kernel frees an skb's frag_list (an IP
 * datagram's fragments once reassembled, a GRO batch) right after the skb itself, on the same CPU:
 * per CPU, the last free of an skb with a frag_list is the parent of the reasonless frees that
 * follow it, until an event of another skb comes between, or too long passes.
 */
final class FragListParents {
    /** How long after the last free a member's may come (under emulation, fentry programs take ~1 ms between). */
    static final long WINDOW_NS = 20_000_000;

    /** Per CPU: how the parent ended (null: none watched), its address, the skb freed last, when. */
    private Outcome[] parentEnd = new Outcome[0];
    private long[] parent = new long[0];
    private Packet[] parentPacket = new Packet[0];
    private long[] lastSkb = new long[0];
    private long[] lastTime = new long[0];

    /** The free of a frag_list member on cpu at timestamp: tied to its parent when that was seen. */
    Outcome.FreedWithParent member(Location location, int cpu, long timestamp) {
        if (watching(cpu) && timestamp - lastTime[cpu] <= WINDOW_NS) {
            return new Outcome.FreedWithParent(location, parent[cpu], parentEnd[cpu], parentPacket[cpu]);
        }
        return new Outcome.FreedWithParent(location, 0, null, null);
    }

    /**
     * Every event decoded, in the ring's order. A free of an skb with a frag_list starts a watch; the
     * members' frees and further hits of the skbs just freed (a function's fentry after the tracepoint
     * of its caller) keep it, without changing how the parent ended; any other skb's event ends it, as
     * does a pause longer than the window.
     */
    void saw(int cpu, long skb, long timestamp, Outcome outcome, Packet packet, boolean freesFragList) {
        if (watching(cpu) && timestamp - lastTime[cpu] > WINDOW_NS) {
            parentEnd[cpu] = null;
        }
        if (watching(cpu) && (skb == parent[cpu] || skb == lastSkb[cpu] || outcome instanceof Outcome.FreedWithParent)) {
            lastSkb[cpu] = skb;
            lastTime[cpu] = timestamp;
            return;
        }
        if (freesFragList) {
            grow(cpu);
            parentEnd[cpu] = outcome;
            parent[cpu] = skb;
            parentPacket[cpu] = packet;
            lastSkb[cpu] = skb;
            lastTime[cpu] = timestamp;
        } else if (watching(cpu)) {
            parentEnd[cpu] = null;
        }
    }

    private boolean watching(int cpu) {
        return cpu < parentEnd.length && parentEnd[cpu] != null;
    }

    private void grow(int cpu) {
        if (cpu >= parentEnd.length) {
            int size = Math.max(cpu + 1, parentEnd.length * 2);
            parentEnd = Arrays.copyOf(parentEnd, size);
            parent = Arrays.copyOf(parent, size);
            parentPacket = Arrays.copyOf(parentPacket, size);
            lastSkb = Arrays.copyOf(lastSkb, size);
            lastTime = Arrays.copyOf(lastTime, size);
        }
    }
}
