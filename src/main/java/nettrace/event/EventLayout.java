package nettrace.event;

/**
 * Byte offsets of struct nt_event and struct nt_packet (bpf/nettrace.h). EventLayoutTest
 * checks every one against the compiled object's BTF.
 */
public final class EventLayout {
    private EventLayout() {
    }

    /** The event without the names and the extension (NT_EVENT_PLAIN_SIZE): most records. */
    public static final int SIZE = 144;
    /** With the task and interface names (--detail), without an extension (NT_EVENT_BASE_SIZE). */
    public static final int SIZE_WITH_NAMES = 176;
    /** With an extension (netfilter or sock), without the inner packet (NT_EVENT_EXT_SIZE). */
    public static final int SIZE_WITH_EXTENSION = 312;
    /** With a tunnel's inner packet: struct nt_event. */
    public static final int SIZE_WITH_INNER = 384;
    public static final int TS = 0;
    public static final int SKB = 8;
    public static final int ARG = 16;
    public static final int RET = 24;
    public static final int TRACER = 32;
    public static final int FLAGS = 36;
    public static final int CPU = 38;
    public static final int PID = 40;
    public static final int NETNS = 44;
    public static final int IFINDEX = 48;
    public static final int STACK_ID = 52;
    public static final int HEAD = 56;
    public static final int FINGERPRINT = 64;
    public static final int PKT = 72;
    public static final int COMM = 144;
    public static final int IFNAME = 160;
    /** Where the extension starts: netfilter or sock details. */
    public static final int EXT = 176;
    /** Where a tunnel's inner packet starts. */
    public static final int INNER = 312;

    public static final int PACKET_SIZE = 68;
    public static final int PKT_SADDR = 0;
    public static final int PKT_DADDR = 16;
    public static final int PKT_L3_PROTO = 32;
    public static final int PKT_L4_PROTO = 34;
    public static final int PKT_TCP_FLAGS = 35;
    public static final int PKT_SPORT = 36;
    public static final int PKT_DPORT = 38;
    public static final int PKT_SEQ = 40;
    public static final int PKT_ACK = 44;
    public static final int PKT_IP_LEN = 48;
    public static final int PKT_VLAN_TCI = 50;
    public static final int PKT_ICMP_TYPE = 52;
    public static final int PKT_ICMP_CODE = 53;
    public static final int PKT_ICMP_ID = 54;
    public static final int PKT_ICMP_SEQ = 56;
    public static final int PKT_ARP_OP = 58;
    public static final int PKT_HWADDR = 60;

    public static final int NF_HOOK = 0;
    public static final int NF_PF = 1;
    public static final int NF_HOOK_COUNT = 2;
    public static final int NF_SOURCE = 3;
    public static final int NF_TABLE = 8;
    public static final int NF_CHAIN = 40;
    public static final int NF_HOOKS = 72;
    public static final int NF_HOOKS_MAX = 8;

    public static final int SOCK_STATE = 0;
    public static final int SOCK_OLD_STATE = 1;
    public static final int SOCK_CA_STATE = 2;
    public static final int SOCK_SRTT_US = 4;
    public static final int SOCK_MIN_RTT_US = 8;
    public static final int SOCK_SND_CWND = 12;
    public static final int SOCK_PACKETS_OUT = 16;
    public static final int SOCK_RETRANS_OUT = 20;
    public static final int SOCK_TOTAL_RETRANS = 24;
}
