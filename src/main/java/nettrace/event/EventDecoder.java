package nettrace.event;

import static nettrace.bpf.EventFlags.EVENT_CAPTURE;
import static nettrace.bpf.EventFlags.EVENT_CLONE;
import static nettrace.bpf.EventFlags.EVENT_FRAG_LIST;
import static nettrace.bpf.EventFlags.EVENT_ICMP_SENT;
import static nettrace.bpf.EventFlags.EVENT_INNER;
import static nettrace.bpf.EventFlags.EVENT_LIFE_END;
import static nettrace.bpf.EventFlags.EVENT_NAMES;
import static nettrace.bpf.EventFlags.EVENT_NETFILTER;
import static nettrace.bpf.EventFlags.EVENT_PACKET_KEPT;
import static nettrace.bpf.EventFlags.EVENT_REASON;
import static nettrace.bpf.EventFlags.EVENT_RESET_REASON;
import static nettrace.bpf.EventFlags.EVENT_SAME_PACKET;
import static nettrace.bpf.EventFlags.EVENT_SOCK;

import com.carrotsearch.hppc.LongObjectHashMap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import nettrace.bpf.CaptureLayout;
import nettrace.bpf.EventLayout;
import nettrace.bpf.EventSizes;
import nettrace.bpf.NetfilterLayout;
import nettrace.bpf.NetfilterSources;
import nettrace.bpf.PacketLayout;
import nettrace.bpf.RecordLayout;
import nettrace.bpf.Sizes;
import nettrace.bpf.SockLayout;
import nettrace.kernel.KernelSymbols;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;

/** Turns ring-buffer records (little-endian struct nt_event) into whole {@link SkbEvent}s. */
public final class EventDecoder {
    private static final int PACKET_WORDS = (EventSizes.NT_EVENT_PLAIN_SIZE - EventLayout.PKT + 7) / 8;
    /** The BPF side's lives map holds 65,536 skbs; kept packets beyond twice that are forgotten. */
    static final int MAX_KEPT_PACKETS = 131_072;
    /** What a short record's packet is when the record that carried it was not seen. */
    static final Packet UNKNOWN_PACKET = new Packet(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private static final String NOT_SPECIFIED = "NOT_SPECIFIED";

    private final EventContext context;
    /*
     * The last packet decoded and its bytes: a packet's hits tend to follow one another in the
     * ring, so most events share the previous one's Packet instead of allocating their own.
     */
    private Packet lastPacket;
    private final long[] lastPacketWords = new long[PACKET_WORDS];
    /** skb address -> the packet of its last EVENT_PACKET_KEPT record, which EVENT_SAME_PACKET ones leave out. */
    private final LongObjectHashMap<Packet> keptPackets = new LongObjectHashMap<>();
    private final FragListParents fragListParents = new FragListParents();

    public EventDecoder(EventContext context) {
        this.context = context;
    }

    /** Decodes the record of `length` bytes at `at`. */
    public SkbEvent decode(ByteBuffer data, int at, int length) {
        int flags = Short.toUnsignedInt(data.getShort(at + EventLayout.FLAGS));
        int id = data.getInt(at + EventLayout.TRACER);
        Tracer tracer = context.tracer(id);
        long result = data.getLong(at + EventLayout.RET);
        if (context.int32Return(id)) {
            result = (int) result;
        }
        boolean named = (flags & EVENT_NAMES) != 0 && length >= EventSizes.NT_EVENT_BASE_SIZE;
        boolean extended = length >= EventSizes.NT_EVENT_EXT_SIZE;
        long netns = Integer.toUnsignedLong(data.getInt(at + EventLayout.NETNS));
        int ifindex = data.getInt(at + EventLayout.IFINDEX);
        int stackId = data.getInt(at + EventLayout.STACK_ID);
        long skb = data.getLong(at + EventLayout.SKB);
        long timestamp = data.getLong(at + EventLayout.TS);
        int cpu = Short.toUnsignedInt(data.getShort(at + EventLayout.CPU));
        Outcome outcome = outcome(tracer, flags, result, data.getLong(at + EventLayout.ARG), cpu, timestamp);
        Packet packet = packet(data, at, flags, skb);
        Packet inner = (flags & EVENT_INNER) != 0 && length >= EventSizes.NT_EVENT_INNER_SIZE
                ? decodePacket(data, at + EventLayout.INNER) : null;
        fragListParents.saw(cpu, skb, timestamp, outcome, inner != null ? inner : packet,
                tracer.analyzer().endsLife() && (flags & EVENT_FRAG_LIST) != 0);
        return new SkbEvent(
                timestamp,
                skb,
                tracer,
                flags & ~(EVENT_SAME_PACKET | EVENT_PACKET_KEPT),
                cpu,
                data.getInt(at + EventLayout.PID),
                context.namespace(netns),
                ifindex,
                ifindex == 0 ? "" : context.interfaceName(netns, ifindex,
                        named ? cString(data, at + EventLayout.IFNAME, 16) : ""),
                named ? cString(data, at + EventLayout.COMM, 16) : "",
                packet,
                inner,
                data.getLong(at + EventLayout.HEAD),
                data.getLong(at + EventLayout.FINGERPRINT),
                result,
                outcome,
                extended && (flags & EVENT_NETFILTER) != 0 ? decodeNetfilter(data, at + EventLayout.EXT) : null,
                extended && (flags & EVENT_SOCK) != 0 ? decodeSock(data, at + EventLayout.EXT) : null,
                stackId >= 0 ? context.stack(stackId) : List.of(),
                (flags & EVENT_CAPTURE) != 0 && length >= EventSizes.NT_EVENT_CAPTURE_SIZE
                        ? decodeCapture(data, at + RecordLayout.CAPTURE, length - EventSizes.NT_EVENT_CAPTURE_SIZE)
                        : null);
    }

    /** What the tracer's own analysis adds, from the flags and the record's ret and arg. */
    private Outcome outcome(Tracer tracer, int flags, long result, long argument, int cpu, long timestamp) {
        if ((flags & EVENT_CLONE) != 0 && argument != 0) {
            return new Outcome.Cloned(argument);
        }
        if ((flags & EVENT_RESET_REASON) != 0) {
            return new Outcome.ResetSent(context.resetReason(result));
        }
        if ((flags & EVENT_ICMP_SENT) != 0) {
            return new Outcome.IcmpErrorSent((int) (argument >> 8) & 0xff, (int) argument & 0xff);
        }
        if (tracer.analyzer() == Analyzer.DROP) {
            String reason = (flags & EVENT_REASON) != 0 ? context.dropReason(result) : Outcome.UNKNOWN;
            Location location = argument != 0 ? context.location(argument) : null;
            if (reason.equals(NOT_SPECIFIED) && location != null) {
                String function = KernelSymbols.plainName(location.function());
                // skb_release_data frees frag_lists only; the list frees (before 6.2) any list, transmit's too
                if (function.equals(Outcome.FreedWithParent.RELEASE_DATA)) {
                    return fragListParents.member(location, cpu, timestamp);
                }
                if (Outcome.FreedWithParent.LIST_FREES.contains(function)) {
                    Outcome.FreedWithParent freed = fragListParents.member(location, cpu, timestamp);
                    if (freed.parentEnd() != null) {
                        return freed;
                    }
                }
            }
            return new Outcome.Dropped(reason, location);
        }
        if (tracer.analyzer() == Analyzer.FREE) {
            return new Outcome.Consumed(argument != 0 ? context.location(argument) : null);
        }
        return null;
    }

    static SockState decodeSock(ByteBuffer data, int at) {
        return new SockState(Byte.toUnsignedInt(data.get(at + SockLayout.STATE)),
                Byte.toUnsignedInt(data.get(at + SockLayout.OLD_STATE)),
                Byte.toUnsignedInt(data.get(at + SockLayout.CA_STATE)),
                Integer.toUnsignedLong(data.getInt(at + SockLayout.SRTT_US)),
                Integer.toUnsignedLong(data.getInt(at + SockLayout.MIN_RTT_US)),
                Integer.toUnsignedLong(data.getInt(at + SockLayout.SND_CWND)),
                Integer.toUnsignedLong(data.getInt(at + SockLayout.PACKETS_OUT)),
                Integer.toUnsignedLong(data.getInt(at + SockLayout.RETRANS_OUT)),
                Integer.toUnsignedLong(data.getInt(at + SockLayout.TOTAL_RETRANS)));
    }

    private Netfilter decodeNetfilter(ByteBuffer data, int at) {
        int count = Math.min(Byte.toUnsignedInt(data.get(at + NetfilterLayout.HOOK_COUNT)), Sizes.NF_HOOKS_MAX);
        String[] hooks = new String[count];
        for (int i = 0; i < count; i++) {
            Location hook = context.location(data.getLong(at + NetfilterLayout.HOOKS + 8 * i));
            hooks[i] = hook.function().isEmpty() ? hook.text() : hook.function();
        }
        Netfilter.Source source = switch (data.get(at + NetfilterLayout.SOURCE)) {
            case NetfilterSources.NF_SOURCE_IPTABLES -> Netfilter.Source.IPTABLES;
            case NetfilterSources.NF_SOURCE_NFTABLES -> Netfilter.Source.NFTABLES;
            default -> Netfilter.Source.HOOK;
        };
        return new Netfilter(source, Byte.toUnsignedInt(data.get(at + NetfilterLayout.HOOK)),
                Byte.toUnsignedInt(data.get(at + NetfilterLayout.PF)), cString(data, at + NetfilterLayout.TABLE, 32),
                cString(data, at + NetfilterLayout.CHAIN, 32), List.of(hooks));
    }

    private static Capture decodeCapture(ByteBuffer data, int at, int room) {
        int length = Math.min(Short.toUnsignedInt(data.getShort(at + CaptureLayout.LENGTH)), room);
        byte[] bytes = new byte[length];
        data.get(at + CaptureLayout.DATA, bytes);
        return new Capture(Short.toUnsignedInt(data.getShort(at + CaptureLayout.LINK)),
                data.getInt(at + CaptureLayout.PACKET_LENGTH), bytes);
    }

    /** The record's packet: carried, or (EVENT_SAME_PACKET) the one its skb's last kept record carried. */
    private Packet packet(ByteBuffer data, int at, int flags, long skb) {
        Packet packet;
        if ((flags & EVENT_SAME_PACKET) != 0) {
            packet = keptPackets.getOrDefault(skb, UNKNOWN_PACKET);
        } else {
            packet = carriedPacket(data, at + EventLayout.PKT);
            if ((flags & EVENT_PACKET_KEPT) != 0) {
                if (keptPackets.size() >= MAX_KEPT_PACKETS) {
                    keptPackets.clear();
                }
                keptPackets.put(skb, packet);
            }
        }
        if ((flags & EVENT_LIFE_END) != 0) {
            keptPackets.remove(skb);
        }
        return packet;
    }

    private Packet carriedPacket(ByteBuffer data, int at) {
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
        int l3 = Short.toUnsignedInt(data.getShort(at + PacketLayout.L3_PROTO));
        boolean ip = l3 == Packet.ETH_P_IP || l3 == Packet.ETH_P_IPV6;
        int l4 = ip ? Byte.toUnsignedInt(data.get(at + PacketLayout.L4_PROTO)) : 0;
        boolean tcp = l4 == Packet.IPPROTO_TCP;
        boolean icmp = l4 == Packet.IPPROTO_ICMP || l4 == Packet.IPPROTO_ICMPV6;
        boolean ports = tcp || l4 == Packet.IPPROTO_UDP || l4 == Packet.IPPROTO_SCTP;
        boolean arp = l3 == Packet.ETH_P_ARP;
        int fragment = ip ? Short.toUnsignedInt(data.getShort(at + PacketLayout.FRAGMENT)) : 0;
        return new Packet(
                l3,
                l4,
                bigEndianLong(data, at + PacketLayout.SADDR),
                l3 == Packet.ETH_P_IPV6 ? bigEndianLong(data, at + PacketLayout.SADDR + 8) : 0,
                bigEndianLong(data, at + PacketLayout.DADDR),
                l3 == Packet.ETH_P_IPV6 ? bigEndianLong(data, at + PacketLayout.DADDR + 8) : 0,
                ports ? Short.toUnsignedInt(data.getShort(at + PacketLayout.SPORT)) : 0,
                ports ? Short.toUnsignedInt(data.getShort(at + PacketLayout.DPORT)) : 0,
                tcp ? Integer.toUnsignedLong(data.getInt(at + PacketLayout.SEQ)) : 0,
                tcp ? Integer.toUnsignedLong(data.getInt(at + PacketLayout.ACK)) : 0,
                tcp ? Byte.toUnsignedInt(data.get(at + PacketLayout.TCP_FLAGS)) : 0,
                ip ? Short.toUnsignedInt(data.getShort(at + PacketLayout.IP_LEN)) : 0,
                Short.toUnsignedInt(data.getShort(at + PacketLayout.VLAN_TCI)),
                icmp ? Byte.toUnsignedInt(data.get(at + PacketLayout.ICMP_TYPE)) : 0,
                icmp ? Byte.toUnsignedInt(data.get(at + PacketLayout.ICMP_CODE)) : 0,
                icmp ? Short.toUnsignedInt(data.getShort(at + PacketLayout.ICMP_ID)) : 0,
                icmp ? Short.toUnsignedInt(data.getShort(at + PacketLayout.ICMP_SEQ)) : 0,
                arp ? Short.toUnsignedInt(data.getShort(at + PacketLayout.ARP_OP)) : 0,
                arp ? bigEndianLong(data, at + PacketLayout.HWADDR) >>> 16 : 0,
                fragment,
                fragment != 0 ? Integer.toUnsignedLong(data.getInt(at + PacketLayout.IP_ID)) : 0);
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
