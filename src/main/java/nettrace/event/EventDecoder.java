package nettrace.event;

import static nettrace.event.EventLayout.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Turns ring-buffer records (little-endian struct nt_event) into {@link SkbEvent}s. */
public final class EventDecoder {
    private final boolean withNames;
    private final boolean[] int32Returns;
    /*
     * The last packet decoded and its bytes: a packet's hits tend to follow one another in the
     * ring, so most events share the previous one's Packet instead of allocating their own.
     */
    private Packet lastPacket;
    private final long[] lastPacketWords = new long[PACKET_WORDS];
    private static final int PACKET_WORDS = (PACKET_SIZE + 7) / 8;

    /** @param withNames decode the task and interface names (only sent under --detail) */
    public EventDecoder(boolean withNames) {
        this(withNames, new boolean[0]);
    }

    /** @param int32Returns per tracer id: its return value is a 32-bit signed one, to sign-extend */
    public EventDecoder(boolean withNames, boolean[] int32Returns) {
        this.withNames = withNames;
        this.int32Returns = int32Returns.clone();
    }

    private long result(ByteBuffer data, int at) {
        long value = data.getLong(at + RET);
        int tracer = data.getInt(at + TRACER);
        return tracer >= 0 && tracer < int32Returns.length && int32Returns[tracer] ? (int) value : value;
    }

    /** Decodes the record of `length` bytes at `at`. */
    public SkbEvent decode(ByteBuffer data, int at, int length) {
        int flags = Short.toUnsignedInt(data.getShort(at + FLAGS));
        boolean extended = length >= SIZE_WITH_EXTENSION;
        boolean named = (withNames || (flags & SkbEvent.NAMES) != 0) && length >= SIZE_WITH_NAMES;
        boolean inner = length >= SIZE_WITH_INNER && (flags & SkbEvent.INNER) != 0;
        boolean netfilter = extended && (flags & SkbEvent.NETFILTER) != 0;
        boolean sock = extended && (flags & SkbEvent.SOCK) != 0;
        return new SkbEvent(
                data.getLong(at + TS),
                data.getLong(at + SKB),
                data.getLong(at + ARG),
                result(data, at),
                data.getInt(at + TRACER),
                flags,
                Short.toUnsignedInt(data.getShort(at + CPU)),
                data.getInt(at + PID),
                data.getInt(at + NETNS),
                data.getInt(at + IFINDEX),
                named ? cString(data, at + COMM, 16) : "",
                named ? cString(data, at + IFNAME, 16) : "",
                packet(data, at + PKT),
                data.getInt(at + STACK_ID),
                netfilter ? decodeNetfilter(data, at + EXT) : null,
                sock ? decodeSock(data, at + EXT) : null,
                data.getLong(at + HEAD),
                data.getLong(at + FINGERPRINT),
                inner ? decodePacket(data, at + INNER) : null);
    }

    static SockState decodeSock(ByteBuffer data, int at) {
        return new SockState(Byte.toUnsignedInt(data.get(at + SOCK_STATE)),
                Byte.toUnsignedInt(data.get(at + SOCK_OLD_STATE)), Byte.toUnsignedInt(data.get(at + SOCK_CA_STATE)),
                Integer.toUnsignedLong(data.getInt(at + SOCK_SRTT_US)),
                Integer.toUnsignedLong(data.getInt(at + SOCK_MIN_RTT_US)),
                Integer.toUnsignedLong(data.getInt(at + SOCK_SND_CWND)),
                Integer.toUnsignedLong(data.getInt(at + SOCK_PACKETS_OUT)),
                Integer.toUnsignedLong(data.getInt(at + SOCK_RETRANS_OUT)),
                Integer.toUnsignedLong(data.getInt(at + SOCK_TOTAL_RETRANS)));
    }

    static Netfilter decodeNetfilter(ByteBuffer data, int at) {
        int count = Math.min(Byte.toUnsignedInt(data.get(at + NF_HOOK_COUNT)), NF_HOOKS_MAX);
        Long[] hooks = new Long[count];
        for (int i = 0; i < count; i++) {
            hooks[i] = data.getLong(at + NF_HOOKS + 8 * i);
        }
        Netfilter.Source source = switch (data.get(at + NF_SOURCE)) {
            case 2 -> Netfilter.Source.IPTABLES;
            case 3 -> Netfilter.Source.NFTABLES;
            default -> Netfilter.Source.HOOK;
        };
        return new Netfilter(source, Byte.toUnsignedInt(data.get(at + NF_HOOK)),
                Byte.toUnsignedInt(data.get(at + NF_PF)), cString(data, at + NF_TABLE, 32),
                cString(data, at + NF_CHAIN, 32), java.util.List.of(hooks));
    }

    private Packet packet(ByteBuffer data, int at) {
        boolean same = lastPacket != null;
        // the last word also reads the 4 padding bytes after the 68-byte packet (still in the record)
        for (int i = 0; i < PACKET_WORDS; i++) {
            long word = data.getLong(at + 8 * i);
            same &= word == lastPacketWords[i];
            lastPacketWords[i] = word;
        }
        if (!same) {
            lastPacket = decodePacket(data, at);
        }
        return lastPacket;
    }

    static Packet decodePacket(ByteBuffer data, int at) {
        int l3 = Short.toUnsignedInt(data.getShort(at + PKT_L3_PROTO));
        boolean ip = l3 == Packet.ETH_P_IP || l3 == Packet.ETH_P_IPV6;
        int l4 = ip ? Byte.toUnsignedInt(data.get(at + PKT_L4_PROTO)) : 0;
        boolean tcp = l4 == Packet.IPPROTO_TCP;
        boolean icmp = l4 == Packet.IPPROTO_ICMP || l4 == Packet.IPPROTO_ICMPV6;
        boolean ports = tcp || l4 == Packet.IPPROTO_UDP || l4 == Packet.IPPROTO_SCTP;
        boolean arp = l3 == Packet.ETH_P_ARP;
        return new Packet(
                l3,
                l4,
                bigEndianLong(data, at + PKT_SADDR),
                l3 == Packet.ETH_P_IPV6 ? bigEndianLong(data, at + PKT_SADDR + 8) : 0,
                bigEndianLong(data, at + PKT_DADDR),
                l3 == Packet.ETH_P_IPV6 ? bigEndianLong(data, at + PKT_DADDR + 8) : 0,
                ports ? Short.toUnsignedInt(data.getShort(at + PKT_SPORT)) : 0,
                ports ? Short.toUnsignedInt(data.getShort(at + PKT_DPORT)) : 0,
                tcp ? Integer.toUnsignedLong(data.getInt(at + PKT_SEQ)) : 0,
                tcp ? Integer.toUnsignedLong(data.getInt(at + PKT_ACK)) : 0,
                tcp ? Byte.toUnsignedInt(data.get(at + PKT_TCP_FLAGS)) : 0,
                ip ? Short.toUnsignedInt(data.getShort(at + PKT_IP_LEN)) : 0,
                Short.toUnsignedInt(data.getShort(at + PKT_VLAN_TCI)),
                icmp ? Byte.toUnsignedInt(data.get(at + PKT_ICMP_TYPE)) : 0,
                icmp ? Byte.toUnsignedInt(data.get(at + PKT_ICMP_CODE)) : 0,
                icmp ? Short.toUnsignedInt(data.getShort(at + PKT_ICMP_ID)) : 0,
                icmp ? Short.toUnsignedInt(data.getShort(at + PKT_ICMP_SEQ)) : 0,
                arp ? Short.toUnsignedInt(data.getShort(at + PKT_ARP_OP)) : 0,
                arp ? bigEndianLong(data, at + PKT_HWADDR) >>> 16 : 0);
    }

    /** Network-order bytes read as a big-endian number, whatever the buffer's order. */
    private static long bigEndianLong(ByteBuffer data, int at) {
        return Long.reverseBytes(data.getLong(at));
    }

    private static String cString(ByteBuffer data, int at, int capacity) {
        int length = 0;
        while (length < capacity && data.get(at + length) != 0) {
            length++;
        }
        byte[] bytes = new byte[length];
        data.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
