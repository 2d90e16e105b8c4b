package nettrace.event;


/** The one-line packet summary of SPEC §3 ("TCP: 10.0.0.1:40000 -> 10.0.0.2:80 seq:1, ..."). */
public final class PacketFormat {
    private static final int ARP_REPLY = 2;
    private static final int ICMP_ECHO_REPLY = 0;
    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMPV6_ECHO_REQUEST = 128;
    private static final int ICMPV6_ECHO_REPLY = 129;

    private PacketFormat() {
    }

    public static String format(Packet packet) {
        StringBuilder out = new StringBuilder(96);
        append(out, packet);
        return out.toString();
    }

    public static void append(StringBuilder out, Packet packet) {
        if (packet.vlanTci() != 0) {
            out.append("vlan:").append(packet.vlanTci() & 0xfff).append(' ');
        }
        switch (packet.l3Protocol()) {
            case 0 -> out.append("unknown");
            case Packet.ETH_P_ARP -> appendArp(out, packet);
            case Packet.ETH_P_IP, Packet.ETH_P_IPV6 -> appendIp(out, packet);
            default -> out.append("ether protocol: 0x").append(hex4(packet.l3Protocol()));
        }
    }

    private static String hex4(int value) {
        String hex = Integer.toHexString(value);
        return "0000".substring(hex.length()) + hex;
    }

    private static void appendArp(StringBuilder out, Packet packet) {
        if (packet.arpOperation() == ARP_REPLY) {
            out.append("ARP: ");
            Addresses.appendIpv4(out, packet.sourceHigh());
            out.append(" is at ");
            Addresses.appendMac(out, packet.hardwareAddress());
        } else {
            out.append("ARP: who has ");
            Addresses.appendIpv4(out, packet.destinationHigh());
            out.append(", tell ");
            Addresses.appendIpv4(out, packet.sourceHigh());
        }
    }

    /** The packet's source (or destination) IP address as text. */
    public static String address(Packet packet, boolean source) {
        StringBuilder out = new StringBuilder(40);
        appendAddress(out, packet, source);
        return out.toString();
    }

    /** "10.0.0.1:80", "[fd00::1]:80", or the address alone for a packet without ports. */
    public static String endpoint(Packet packet, boolean source) {
        String address = address(packet, source);
        if (!packet.hasPorts()) {
            return address;
        }
        int port = source ? packet.sourcePort() : packet.destinationPort();
        return (packet.isIpv6() ? "[" + address + "]" : address) + ":" + port;
    }

    private static void appendAddress(StringBuilder out, Packet packet, boolean source) {
        long high = source ? packet.sourceHigh() : packet.destinationHigh();
        if (packet.isIpv4() || packet.l3Protocol() == Packet.ETH_P_ARP) {
            Addresses.appendIpv4(out, high);
        } else {
            Addresses.appendIpv6(out, high, source ? packet.sourceLow() : packet.destinationLow());
        }
    }

    /** "TCP: 10.0.0.1:40000 -> 10.0.0.2:80": protocol, addresses and ports only (sockets). */
    public static void appendEndpoints(StringBuilder out, Packet packet) {
        if (!packet.isIpv4() && !packet.isIpv6()) {
            out.append("unknown");
            return;
        }
        out.append(protocolName(packet.l4Protocol(), packet.isIpv6())).append(": ");
        appendAddress(out, packet, true);
        if (packet.hasPorts()) {
            out.append(':').append(packet.sourcePort());
        }
        out.append(" -> ");
        appendAddress(out, packet, false);
        if (packet.hasPorts()) {
            out.append(':').append(packet.destinationPort());
        }
    }

    private static void appendIp(StringBuilder out, Packet packet) {
        appendEndpoints(out, packet);
        if (packet.isLaterFragment()) {
            out.append(" fragment of id ").append(packet.ipId()).append(", offset: ").append(packet.fragmentOffset())
                    .append(packet.moreFragments() ? ", more follow" : ", the last");
            return;
        }
        switch (packet.l4Protocol()) {
            case Packet.IPPROTO_TCP -> {
                out.append(" seq:").append(packet.sequence()).append(", ack:").append(packet.acknowledgement())
                        .append(", flags:");
                appendTcpFlags(out, packet.tcpFlags());
            }
            case Packet.IPPROTO_ICMP, Packet.IPPROTO_ICMPV6 -> appendIcmp(out, packet);
            default -> { }
        }
        if (packet.isFragment()) {
            out.append(" (first fragment of id ").append(packet.ipId()).append(", more follow)");
        }
    }

    /** The flags of letters written by appendTcpFlags. */
    public static int parseTcpFlags(String letters) {
        int flags = 0;
        for (char letter : letters.toCharArray()) {
            flags |= switch (letter) {
                case 'S' -> Packet.TCP_SYN;
                case 'A' -> Packet.TCP_ACK;
                case 'R' -> Packet.TCP_RST;
                case 'P' -> Packet.TCP_PSH;
                case 'F' -> Packet.TCP_FIN;
                case 'U' -> Packet.TCP_URG;
                default -> 0;
            };
        }
        return flags;
    }

    /** Flag letters in upstream's order: S A R P F (plus U for urgent). */
    public static void appendTcpFlags(StringBuilder out, int flags) {
        if ((flags & Packet.TCP_SYN) != 0) {
            out.append('S');
        }
        if ((flags & Packet.TCP_ACK) != 0) {
            out.append('A');
        }
        if ((flags & Packet.TCP_RST) != 0) {
            out.append('R');
        }
        if ((flags & Packet.TCP_PSH) != 0) {
            out.append('P');
        }
        if ((flags & Packet.TCP_FIN) != 0) {
            out.append('F');
        }
        if ((flags & Packet.TCP_URG) != 0) {
            out.append('U');
        }
    }

    private static void appendIcmp(StringBuilder out, Packet packet) {
        int type = packet.icmpType();
        boolean v6 = packet.l4Protocol() == Packet.IPPROTO_ICMPV6;
        boolean request = v6 ? type == ICMPV6_ECHO_REQUEST : type == ICMP_ECHO_REQUEST;
        boolean reply = v6 ? type == ICMPV6_ECHO_REPLY : type == ICMP_ECHO_REPLY;
        if (request || reply) {
            out.append(request ? " ping request, seq: " : " ping reply, seq: ").append(packet.icmpSequence())
                    .append(", id: ").append(packet.icmpId());
        } else {
            out.append(" type: ").append(type).append(", code: ").append(packet.icmpCode());
        }
    }

    /** An ICMP (IPv4) error by its type and code: "host unreachable", "type 5, code 1". */
    public static String icmpError(int type, int code) {
        return switch (type) {
            case 3 -> switch (code) {
                case 0 -> "net unreachable";
                case 1 -> "host unreachable";
                case 2 -> "protocol unreachable";
                case 3 -> "port unreachable";
                case 4 -> "fragmentation needed";
                case 9, 10, 13 -> "administratively prohibited";
                default -> "destination unreachable, code " + code;
            };
            case 11 -> code == 0 ? "TTL exceeded in transit" : "fragment reassembly time exceeded";
            case 12 -> "parameter problem";
            default -> "type " + type + ", code " + code;
        };
    }

    public static String protocolName(int l4, boolean ipv6) {
        return switch (l4) {
            case Packet.IPPROTO_TCP -> "TCP";
            case Packet.IPPROTO_UDP -> "UDP";
            case Packet.IPPROTO_ICMP -> "ICMP";
            case Packet.IPPROTO_ICMPV6 -> "ICMPv6";
            case Packet.IPPROTO_SCTP -> "SCTP";
            case Packet.IPPROTO_ESP -> "ESP";
            case 47 -> "GRE";
            case 51 -> "AH";
            case 2 -> "IGMP";
            case 4 -> "IPIP";
            case 41 -> "IPv6-in-IP";
            case 136 -> "UDPLite";
            default -> (ipv6 ? "IPv6" : "IP") + " protocol " + l4;
        };
    }
}
