package nettrace.monitor.probe;

import java.util.Optional;
import nettrace.config.IpAddress;

/**
 * A packet's addresses, ports and protocols as the monitor's BPF side saw them (struct mon_flow):
 * the sample a drop class keeps of its latest packet.
 *
 * @param etherType   0 when unknown
 * @param ipProtocol  0 when none or unknown
 * @param netns       inode of the network namespace, 0 when unknown
 */
public record Flow(Optional<IpAddress> source, Optional<IpAddress> destination, int sourcePort, int destinationPort,
        int etherType, int ipProtocol, long netns) {

    public static final int IPV4 = 0x0800;
    public static final int IPV6 = 0x86DD;
    public static final int ARP = 0x0806;

    public boolean isIp() {
        return etherType == IPV4 || etherType == IPV6;
    }

    public boolean carriesPorts() {
        return ipProtocol == 6 || ipProtocol == 17 || ipProtocol == 132;
    }

    /**
     * The protocol label: the transport protocol of an IP packet ("tcp", "icmpv6"), else the
     * network protocol ("arp", "ipv4"), "0x88cc" for another ethertype, "unknown" without one.
     */
    public String protocolName() {
        return protocolName(etherType, ipProtocol);
    }

    /** See {@link #protocolName()}. */
    public static String protocolName(int etherType, int ipProtocol) {
        if ((etherType == IPV4 || etherType == IPV6) && ipProtocol != 0) {
            return switch (ipProtocol) {
                case 1 -> "icmp";
                case 2 -> "igmp";
                case 6 -> "tcp";
                case 17 -> "udp";
                case 47 -> "gre";
                case 50 -> "esp";
                case 58 -> "icmpv6";
                case 132 -> "sctp";
                default -> "ip-proto-" + ipProtocol;
            };
        }
        return switch (etherType) {
            case IPV4 -> "ipv4";
            case IPV6 -> "ipv6";
            case ARP -> "arp";
            case 0 -> "unknown";
            default -> String.format("0x%04x", etherType);
        };
    }
}
