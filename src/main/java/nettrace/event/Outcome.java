package nettrace.event;

import java.util.Set;
import nettrace.kernel.KernelSymbols;

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

    /**
     * kfree_skb without a reason, from skb_release_data (kfree_skb_list before 6.2), right after the
     * free of an skb with a frag_list on the same CPU: the skb sat in that one's frag_list (an IP
     * datagram's fragments once reassembled, a GRO batch, a datagram built from several buffers) and
     * was freed with it. That other skb's own end is this one's fate; the kernel reports it as a drop
     * whenever that one was consumed.
     *
     * @param parent    the other skb's address, 0 when not seen
     * @param parentEnd how the other skb ended (Consumed or Dropped), or null when nettrace did not see it
     * @param parentPacket what the other skb held (a reassembled datagram), or null when not seen
     */
    record FreedWithParent(Location location, long parent, Outcome parentEnd, Packet parentPacket) implements Outcome {
        /** Where the kernel reports such frees since 6.2; nothing else frees from there. */
        public static final String RELEASE_DATA = "skb_release_data";
        /** Where before 6.2 (the one or the other): they free other lists too (a transmit's segments it drops). */
        public static final Set<String> LIST_FREES = Set.of("kfree_skb_list_reason", "kfree_skb_list");

        /** The other skb's drop, when it was dropped. */
        public Dropped parentDrop() {
            return parentEnd instanceof Dropped dropped ? dropped : null;
        }

        /** True when the other skb was seen consumed. */
        public boolean parentConsumed() {
            return parentEnd instanceof Consumed;
        }

        /** "consumed", "dropped" or "not seen": the JSON's freed_with_parent. */
        public String parentEndName() {
            return parentConsumed() ? "consumed" : parentDrop() != null ? "dropped" : "not seen";
        }

        /** "freed with the packet it was part of (frag_list), which was consumed", and the like. */
        public String text() {
            Dropped drop = parentDrop();
            return "freed with the packet it was part of (" + (parent == 0 ? "" : Long.toHexString(parent) + "'s ")
                    + "frag_list" + (location == null ? "" : ", " + location.text()) + "), "
                    + (parentConsumed() ? "which was consumed"
                            : drop != null ? "which was dropped: " + drop.reason() : "whose end was not seen");
        }
    }

    /** consume_skb: the kernel was done with it; where (6.3+), or null. */
    record Consumed(Location location) implements Outcome {
        /*
         * Where a consume hands the packet on instead of ending it. XDP on a veth device (and
         * generic XDP on a cloned or paged skb) copies the packet into a new skb and consumes the
         * old one: skb_pp_cow_data since 6.8, veth_convert_skb_to_xdp_buff before. veth_xdp_rcv_skb
         * consumes one that XDP_TX or XDP_REDIRECT sent on as a frame (and, in 6.1, its copy).
         */
        private static final Set<String> HANDING_ON = Set.of("skb_pp_cow_data", "veth_convert_skb_to_xdp_buff",
                "veth_xdp_rcv_skb");

        /** True when the packet went on in a copy (or an XDP frame) made where this skb was consumed. */
        public boolean handedOn() {
            return location != null && HANDING_ON.contains(KernelSymbols.plainName(location.function()));
        }
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
