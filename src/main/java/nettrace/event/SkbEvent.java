package nettrace.event;

/**
 * One hit of a tracer on an skb.
 *
 * @param timestamp kernel monotonic time in nanoseconds
 * @param skb       the skb's address, which identifies it while it lives
 * @param argument  analyzer-specific: the drop location of kfree_skb, the new skb of a clone
 * @param result    the traced function's return value, or the drop reason (see the flags)
 * @param tracer    index of the tracer in the attach plan
 * @param pid       thread-group id of the task the event happened in
 * @param netns     network namespace inode, 0 when unknown
 * @param command   task name, empty unless details were asked for
 * @param interfaceName device name, empty unless details were asked for
 * @param stackId   the kernel stack recorded for this event, or -1
 * @param netfilter what a netfilter analyzer saw, or null for other events
 * @param sock      for socket events (then skb is the socket's address), or null
 * @param head      the skb's data buffer: a clone shares its original's (0 for socket events)
 * @param fingerprint what identifies the packet through NAT and tunnels (0 = unknown)
 * @param inner     the packet a tunnel's packet carries (then packet is the outer one), or null
 */
public record SkbEvent(
        long timestamp,
        long skb,
        long argument,
        long result,
        int tracer,
        int flags,
        int cpu,
        int pid,
        int netns,
        int interfaceIndex,
        String command,
        String interfaceName,
        Packet packet,
        int stackId,
        Netfilter netfilter,
        SockState sock,
        long head,
        long fingerprint,
        Packet inner) {

    public static final int HAS_RETURN = 1;
    public static final int LIFE_NEW = 1 << 1;
    public static final int LIFE_END = 1 << 2;
    public static final int HAS_REASON = 1 << 3;
    public static final int CLONE = 1 << 5;
    public static final int NETFILTER = 1 << 6;
    public static final int SOCK = 1 << 7;
    public static final int RESET_REASON = 1 << 8;
    public static final int INNER = 1 << 9;
    public static final int ICMP_SENT = 1 << 10;
    public static final int NAMES = 1 << 11;

    public boolean hasReturnValue() {
        return (flags & HAS_RETURN) != 0;
    }

    public boolean hasDropReason() {
        return (flags & HAS_REASON) != 0;
    }

    /** True when result() is tcp_send_reset's reason (enum sk_rst_reason). */
    public boolean hasResetReason() {
        return (flags & RESET_REASON) != 0;
    }

    /** True when argument() is the type (high byte) and code of the ICMP error sent about the packet. */
    public boolean sentIcmpError() {
        return (flags & ICMP_SENT) != 0;
    }

    public boolean hasInner() {
        return inner != null;
    }

    /** The packet the user sent: a tunnel's inner packet, or the packet itself. */
    public Packet userPacket() {
        return inner != null ? inner : packet;
    }

    /** True when argument() is a clone of this skb that the traced function returned. */
    public boolean madeClone() {
        return (flags & CLONE) != 0;
    }

    public boolean hasSock() {
        return sock != null;
    }

    public boolean hasStack() {
        return stackId >= 0;
    }

    public boolean hasNetfilter() {
        return netfilter != null;
    }

    public boolean startsLife() {
        return (flags & LIFE_NEW) != 0;
    }

    public boolean endsLife() {
        return (flags & LIFE_END) != 0;
    }
}
