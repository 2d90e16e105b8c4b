package nettrace.monitor.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import nettrace.config.IpAddress;
import nettrace.event.Outcome;
import nettrace.kernel.KernelSymbols;

/**
 * The structs of bpf/monitor.h as Java reads and writes them: offsets, sizes and the enum values
 * shared with C. MonitorLayoutTest checks every one against the object's BTF.
 */
public final class MonitorLayout {
    private MonitorLayout() {
    }

    /** struct mon_flow */
    public static final int FLOW_SIZE = 48;
    public static final int FLOW_SADDR = 0;
    public static final int FLOW_DADDR = 16;
    public static final int FLOW_SPORT = 32;
    public static final int FLOW_DPORT = 34;
    public static final int FLOW_L3_PROTO = 36;
    public static final int FLOW_L4_PROTO = 38;
    public static final int FLOW_NETNS = 40;

    /** struct mon_config */
    public static final int PATTERNS = 4;
    public static final int CONFIG_SIZE = 432;
    public static final int CONFIG_MATCH = 0;
    public static final int CONFIG_MASK = 192;
    public static final int CONFIG_PATTERNS = 384;
    public static final int CONFIG_CONSUMED_REASON = 388;
    public static final int CONFIG_NETFILTER_DROP_REASON = 392;
    public static final int CONFIG_NOT_SPECIFIED_REASON = 396;
    public static final int CONFIG_FRAG_LIST_FREE_START = 400;
    public static final int CONFIG_FRAG_LIST_FREE_END = 408;
    public static final int CONFIG_LIST_FREE_START = 416;
    public static final int CONFIG_LIST_FREE_END = 424;

    /** struct mon_drop_key */
    public static final int DROP_KEY_SIZE = 112;
    public static final int DROP_LOCATION = 0;
    public static final int DROP_REASON = 8;
    public static final int DROP_NETNS = 12;
    public static final int DROP_IFNAME = 16;
    public static final int DROP_NF_SOURCE = 32;
    public static final int DROP_L3_PROTO = 36;
    public static final int DROP_L4_PROTO = 38;
    public static final int DROP_NF_HOOK = 39;
    public static final int DROP_NF_PF = 40;
    public static final int DROP_NF_TABLE = 44;
    public static final int DROP_NF_CHAIN = 76;
    public static final int NAME_SIZE = 32;
    public static final int IFNAME_SIZE = 16;

    /** struct mon_drop_value */
    public static final int DROP_VALUE_SIZE = 72;
    public static final int DROP_PACKETS = 0;
    public static final int DROP_BYTES = 8;
    public static final int DROP_LAST_SEEN = 16;
    public static final int DROP_SAMPLE = 24;

    /** struct mon_tcp_key */
    public static final int TCP_KEY_SIZE = 12;
    public static final int TCP_NETNS = 0;
    public static final int TCP_EVENT = 4;
    public static final int TCP_REASON = 8;

    /** struct mon_rtt_key */
    public static final int RTT_KEY_SIZE = 8;
    public static final int RTT_NETNS = 0;
    public static final int RTT_BUCKET = 4;

    /** struct mon_run_time */
    public static final int RUN_TIME_SIZE = 16;
    public static final int RUN_RUNS = 0;
    public static final int RUN_NS = 8;

    /** enum mon_program, in order */
    public static final List<String> PROGRAMS = List.of("drop", "netfilter", "tcp", "rtt");
    /** enum mon_tcp_event's first value (TcpCount.Event follows in order) */
    public static final int TCP_EVENT_FIRST = 1;
    /** MON_RTT_BUCKETS: log2 buckets of microseconds */
    public static final int RTT_BUCKETS = 32;
    /** A drop reason the kernel does not have (no SKB_CONSUMED, no NETFILTER_DROP). */
    public static final long NO_REASON = 0xffffffffL;

    /** A filter pattern: a flow is selected when its bytes ANDed with mask equal match. */
    public record Pattern(byte[] match, byte[] mask) {
    }

    /**
     * kfree_skb without a reason from skb_release_data: an skb freed with the frag_list of the one
     * that held it (IPv4 reassembly, GRO), reported as a drop even when that one was consumed. Not
     * counted: when that one was dropped, its own drop is.
     *
     * @param notSpecifiedReason SKB_DROP_REASON_NOT_SPECIFIED, NO_REASON when the kernel has none
     * @param releaseData        where skb_release_data's code lies
     * @param listFree           where the list free lies, whose frees 6.1 reports from there (from
     *                           skb_release_data, and from other callers that do drop)
     */
    public record FragListFrees(long notSpecifiedReason, KernelSymbols.Span releaseData, KernelSymbols.Span listFree) {
        private static final KernelSymbols.Span NOWHERE = new KernelSymbols.Span(0, 0);
        public static final FragListFrees NONE = new FragListFrees(NO_REASON, NOWHERE, NOWHERE);

        /** The running kernel's, NONE where it has no skb_release_data. */
        public static FragListFrees of(KernelSymbols symbols, long notSpecifiedReason) {
            KernelSymbols.Span listFree = Outcome.FreedWithParent.LIST_FREES.stream().map(symbols::span)
                    .flatMap(Optional::stream).findFirst().orElse(NOWHERE);
            return symbols.span(Outcome.FreedWithParent.RELEASE_DATA)
                    .map(releaseData -> new FragListFrees(notSpecifiedReason, releaseData, listFree)).orElse(NONE);
        }
    }

    /**
     * @param consumedReason      SKB_CONSUMED: frees that are not drops
     * @param netfilterDropReason SKB_DROP_REASON_NETFILTER_DROP: the drops a chain is named for
     */
    public static byte[] encodeConfig(List<Pattern> patterns, long consumedReason, long netfilterDropReason,
            FragListFrees fragListFrees) {
        if (patterns.size() > PATTERNS) {
            throw new IllegalArgumentException("at most " + PATTERNS + " filter patterns");
        }
        ByteBuffer config = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < patterns.size(); i++) {
            config.put(CONFIG_MATCH + i * FLOW_SIZE, patterns.get(i).match());
            config.put(CONFIG_MASK + i * FLOW_SIZE, patterns.get(i).mask());
        }
        config.putInt(CONFIG_PATTERNS, patterns.size());
        config.putInt(CONFIG_CONSUMED_REASON, (int) consumedReason);
        config.putInt(CONFIG_NETFILTER_DROP_REASON, (int) netfilterDropReason);
        config.putInt(CONFIG_NOT_SPECIFIED_REASON, (int) fragListFrees.notSpecifiedReason());
        config.putLong(CONFIG_FRAG_LIST_FREE_START, fragListFrees.releaseData().start());
        config.putLong(CONFIG_FRAG_LIST_FREE_END, fragListFrees.releaseData().end());
        config.putLong(CONFIG_LIST_FREE_START, fragListFrees.listFree().start());
        config.putLong(CONFIG_LIST_FREE_END, fragListFrees.listFree().end());
        return config.array();
    }

    public static DropCount.NetfilterVerdict verdict(ByteBuffer key) {
        int source = key.getInt(DROP_NF_SOURCE);
        if (source == 0 || source >= DropCount.NetfilterVerdict.Source.values().length) {
            return DropCount.NetfilterVerdict.NONE;
        }
        return new DropCount.NetfilterVerdict(DropCount.NetfilterVerdict.Source.values()[source],
                Byte.toUnsignedInt(key.get(DROP_NF_HOOK)), Byte.toUnsignedInt(key.get(DROP_NF_PF)),
                string(key, DROP_NF_TABLE, NAME_SIZE), string(key, DROP_NF_CHAIN, NAME_SIZE));
    }

    public static Flow flow(ByteBuffer bytes, int at) {
        int etherType = Short.toUnsignedInt(bytes.getShort(at + FLOW_L3_PROTO));
        int addressLength = etherType == Flow.IPV6 ? 16 : 4;
        boolean ip = etherType == Flow.IPV4 || etherType == Flow.IPV6;
        return new Flow(ip ? address(bytes, at + FLOW_SADDR, addressLength) : Optional.empty(),
                ip ? address(bytes, at + FLOW_DADDR, addressLength) : Optional.empty(),
                Short.toUnsignedInt(bytes.getShort(at + FLOW_SPORT)),
                Short.toUnsignedInt(bytes.getShort(at + FLOW_DPORT)),
                etherType, Byte.toUnsignedInt(bytes.get(at + FLOW_L4_PROTO)),
                Integer.toUnsignedLong(bytes.getInt(at + FLOW_NETNS)));
    }

    private static Optional<IpAddress> address(ByteBuffer bytes, int at, int length) {
        byte[] address = new byte[length];
        bytes.get(at, address);
        return Optional.of(new IpAddress(address));
    }

    /** A NUL-terminated C string of at most size bytes. */
    public static String string(ByteBuffer bytes, int at, int size) {
        byte[] text = new byte[size];
        bytes.get(at, text);
        int length = 0;
        while (length < size && text[length] != 0) {
            length++;
        }
        return new String(text, 0, length, StandardCharsets.UTF_8);
    }
}
