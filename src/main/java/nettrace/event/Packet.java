package nettrace.event;

/**
 * Headers of one packet as the BPF side parsed them. Addresses are kept as two longs
 * (IPv4 in the top 32 bits of {@code sourceHigh}) so decoding allocates nothing for them.
 *
 * @param fragment IP fragments: more-fragments (0x2000) and the offset in 8-byte units, as in IPv4's
 *                 header; 0 for a whole datagram
 * @param ipId     IP fragments: the datagram's id (IPv4's, or the IPv6 fragment header's); 0 otherwise
 */
public record Packet(
        int l3Protocol,
        int l4Protocol,
        long sourceHigh,
        long sourceLow,
        long destinationHigh,
        long destinationLow,
        int sourcePort,
        int destinationPort,
        long sequence,
        long acknowledgement,
        int tcpFlags,
        int ipLength,
        int vlanTci,
        int icmpType,
        int icmpCode,
        int icmpId,
        int icmpSequence,
        int arpOperation,
        long hardwareAddress,
        int fragment,
        long ipId) {

    private static final int MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET = 0x1fff;

    /** A packet that is no fragment. */
    public Packet(int l3Protocol, int l4Protocol, long sourceHigh, long sourceLow, long destinationHigh,
            long destinationLow, int sourcePort, int destinationPort, long sequence, long acknowledgement,
            int tcpFlags, int ipLength, int vlanTci, int icmpType, int icmpCode, int icmpId, int icmpSequence,
            int arpOperation, long hardwareAddress) {
        this(l3Protocol, l4Protocol, sourceHigh, sourceLow, destinationHigh, destinationLow, sourcePort,
                destinationPort, sequence, acknowledgement, tcpFlags, ipLength, vlanTci, icmpType, icmpCode, icmpId,
                icmpSequence, arpOperation, hardwareAddress, 0, 0);
    }

    public static final int ETH_P_IP = 0x0800;
    public static final int ETH_P_ARP = 0x0806;
    public static final int ETH_P_IPV6 = 0x86DD;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ESP = 50;
    public static final int IPPROTO_ICMPV6 = 58;
    public static final int IPPROTO_SCTP = 132;

    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;
    public static final int TCP_URG = 0x20;

    public boolean isIpv4() {
        return l3Protocol == ETH_P_IP;
    }

    public boolean isIpv6() {
        return l3Protocol == ETH_P_IPV6;
    }

    public boolean hasPorts() {
        return (isIpv4() || isIpv6()) && !isLaterFragment()
                && (l4Protocol == IPPROTO_TCP || l4Protocol == IPPROTO_UDP || l4Protocol == IPPROTO_SCTP);
    }

    /** An IP fragment, the first or a later one (IPv6: from a fragment header right after the fixed one). */
    public boolean isFragment() {
        return fragment != 0;
    }

    /** A fragment past the first: it carries no transport header. */
    public boolean isLaterFragment() {
        return (fragment & FRAGMENT_OFFSET) != 0;
    }

    /** Where a fragment's data starts in its datagram, in bytes. */
    public int fragmentOffset() {
        return (fragment & FRAGMENT_OFFSET) * 8;
    }

    /** The header field of a fragment starting offsetBytes into its datagram (what fragment() holds). */
    public static int fragmentField(int offsetBytes, boolean more) {
        return offsetBytes / 8 | (more ? MORE_FRAGMENTS : 0);
    }

    /** True when more fragments of the datagram follow this one. */
    public boolean moreFragments() {
        return (fragment & MORE_FRAGMENTS) != 0;
    }
}
