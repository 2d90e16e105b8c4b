package nettrace.event;

/**
 * Headers of one packet as the BPF side parsed them. Addresses are kept as two longs
 * (IPv4 in the top 32 bits of {@code sourceHigh}) so decoding allocates nothing for them.
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
        long hardwareAddress) {

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
        return (isIpv4() || isIpv6())
                && (l4Protocol == IPPROTO_TCP || l4Protocol == IPPROTO_UDP || l4Protocol == IPPROTO_SCTP);
    }
}
