package nettrace.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import nettrace.NettraceException;

/**
 * A protocol named with -p: an L3 protocol (ethertype) or an L4 protocol (IP protocol number,
 * over IPv4 or IPv6 unless the protocol exists on one of them only).
 */
public record Protocol(String name, int etherType, int ipProtocol) {
    private static final Map<String, Protocol> NAMES = new LinkedHashMap<>();

    static {
        l3("ip", 0x0800);
        l3("ipv4", 0x0800);
        l3("ipv6", 0x86DD);
        l3("ip6", 0x86DD);
        l3("arp", 0x0806);
        l3("rarp", 0x8035);
        l3("vlan", 0x8100);
        l3("8021q", 0x8100);
        l3("lldp", 0x88CC);
        l3("pppoe", 0x8864);
        l3("mpls", 0x8847);
        l4("icmp", 1, 0x0800);
        l4("igmp", 2, 0x0800);
        l4("ipip", 4, 0);
        l4("tcp", 6, 0);
        l4("udp", 17, 0);
        l4("ipv6-in-ip", 41, 0);
        l4("gre", 47, 0);
        l4("esp", 50, 0);
        l4("ah", 51, 0);
        l4("icmpv6", 58, 0x86DD);
        l4("icmp6", 58, 0x86DD);
        l4("ospf", 89, 0);
        l4("vrrp", 112, 0);
        l4("sctp", 132, 0);
        l4("udplite", 136, 0);
    }

    private static void l3(String name, int etherType) {
        NAMES.put(name, new Protocol(name, etherType, 0));
    }

    private static void l4(String name, int ipProtocol, int etherType) {
        NAMES.put(name, new Protocol(name, etherType, ipProtocol));
    }

    public static Protocol parse(String text) {
        String key = text.strip().toLowerCase(java.util.Locale.ROOT);
        Protocol protocol = NAMES.get(key);
        if (protocol == null) {
            throw NettraceException.badInput("unknown protocol '" + text + "' (known: "
                    + String.join(", ", NAMES.keySet()) + ")");
        }
        return protocol;
    }

    public static Optional<Protocol> byName(String name) {
        return Optional.ofNullable(NAMES.get(name));
    }

    public boolean isL4() {
        return ipProtocol != 0;
    }

    /** IPv4 or IPv6 itself, or a protocol carried over IP. */
    public boolean isIp() {
        return etherType == 0x0800 || etherType == 0x86DD || isL4();
    }

    public boolean carriesPorts() {
        return ipProtocol == 6 || ipProtocol == 17 || ipProtocol == 132;
    }
}
