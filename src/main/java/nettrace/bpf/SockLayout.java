package nettrace.bpf;

/** struct nt_sock: byte offsets of what socket tracers add. */
@MirrorsBpf("nt_sock")
public final class SockLayout {
    public static final int STATE = 0;
    public static final int OLD_STATE = 1;
    public static final int CA_STATE = 2;
    public static final int SRTT_US = 4;
    public static final int MIN_RTT_US = 8;
    public static final int SND_CWND = 12;
    public static final int PACKETS_OUT = 16;
    public static final int RETRANS_OUT = 20;
    public static final int TOTAL_RETRANS = 24;

    private SockLayout() {
    }
}
