package nettrace.bpf;

/** enum nt_mode: how the BPF side treats hits (CONFIG.mode). */
@MirrorsBpf("nt_mode")
public final class Modes {
    public static final int MODE_BASIC = 0;
    public static final int MODE_LIFECYCLE = 1;
    public static final int MODE_STATS = 2;
    public static final int MODE_RTT = 3;

    private Modes() {
    }
}
