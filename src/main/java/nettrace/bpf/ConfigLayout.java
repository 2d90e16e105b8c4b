package nettrace.bpf;

/** struct nt_config: byte offsets of the configuration written into .rodata before load. */
@MirrorsBpf("nt_config")
public final class ConfigLayout {
    public static final int SADDR = 0;
    public static final int DADDR = 16;
    public static final int ADDR = 32;
    public static final int SADDR_LEN = 48;
    public static final int DADDR_LEN = 49;
    public static final int ADDR_LEN = 50;
    public static final int L4_PROTO = 51;
    public static final int L3_PROTO = 52;
    public static final int SPORT = 54;
    public static final int DPORT = 56;
    public static final int PORT = 58;
    public static final int PKT_LEN_MIN = 60;
    public static final int PKT_LEN_MAX = 62;
    public static final int NETNS = 64;
    public static final int PID = 68;
    public static final int TCP_FLAGS = 72;
    public static final int MODE = 73;
    public static final int DETAIL = 74;
    public static final int RTT_EVENTS = 75;
    public static final int RATE_LIMIT = 76;
    public static final int MIN_SRTT_US = 80;
    public static final int MIN_RTT_US = 84;
    public static final int SNAPLEN = 88;
    public static final int EXPRESSION_LENGTH = 90;

    private ConfigLayout() {
    }
}
