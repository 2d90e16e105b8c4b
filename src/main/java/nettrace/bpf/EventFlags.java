package nettrace.bpf;

/** enum nt_event_flag: what an event record holds. */
@MirrorsBpf("nt_event_flag")
public final class EventFlags {
    public static final int EVENT_RET = 1;
    public static final int EVENT_LIFE_NEW = 1 << 1;
    public static final int EVENT_LIFE_END = 1 << 2;
    public static final int EVENT_REASON = 1 << 3;
    public static final int EVENT_NO_PACKET = 1 << 4;
    public static final int EVENT_CLONE = 1 << 5;
    public static final int EVENT_NETFILTER = 1 << 6;
    public static final int EVENT_SOCK = 1 << 7;
    public static final int EVENT_RESET_REASON = 1 << 8;
    public static final int EVENT_INNER = 1 << 9;
    public static final int EVENT_ICMP_SENT = 1 << 10;
    public static final int EVENT_NAMES = 1 << 11;
    public static final int EVENT_CAPTURE = 1 << 12;
    public static final int EVENT_SAME_PACKET = 1 << 13;
    public static final int EVENT_PACKET_KEPT = 1 << 14;
    public static final int EVENT_FRAG_LIST = 1 << 15;

    private EventFlags() {
    }
}
