package nettrace.event;

/** What a tracer with an analysis of its own adds to an event: how the skb ended, or what the kernel did with it. */
public sealed interface Outcome {

    /**
     * kfree_skb: the skb was dropped.
     *
     * @param reason   the drop reason's name on the kernel that dropped it ("NO_SOCKET"), "unknown" when
     *                 the kernel gives none
     * @param location where, or null when the kernel did not say
     */
    record Dropped(String reason, Location location) implements Outcome {
        public boolean reasonKnown() {
            return !reason.equals(UNKNOWN);
        }
    }

    /** consume_skb: the kernel was done with it; where (6.3+), or null. */
    record Consumed(Location location) implements Outcome {
    }

    /** tcp_send_reset: TCP sent a reset because of this packet, and why (6.10+). */
    record ResetSent(String reason) implements Outcome {
    }

    /** icmp_send: an ICMP error of this type and code was sent about the packet. */
    record IcmpErrorSent(int type, int code) implements Outcome {
        /** "host unreachable", "type 5, code 1". */
        public String name() {
            return PacketFormat.icmpError(type, code);
        }
    }

    /** skb_clone and the like: the function returned this clone of the skb. */
    record Cloned(long copy) implements Outcome {
    }

    String UNKNOWN = "unknown";
}
