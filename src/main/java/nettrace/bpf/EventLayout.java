package nettrace.bpf;

/** struct nt_event: byte offsets of an event record's parts. */
@MirrorsBpf("nt_event")
public final class EventLayout {
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
    /** the netfilter or socket extension */
    public static final int EXT = 176;
    public static final int INNER = 312;

    private EventLayout() {
    }
}
