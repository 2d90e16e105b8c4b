package nettrace.bpf;

/** struct nt_netfilter: byte offsets of what the netfilter analyzers add. */
@MirrorsBpf("nt_netfilter")
public final class NetfilterLayout {
    public static final int HOOK = 0;
    public static final int PF = 1;
    public static final int HOOK_COUNT = 2;
    public static final int SOURCE = 3;
    public static final int TABLE = 8;
    public static final int CHAIN = 40;
    public static final int HOOKS = 72;

    private NetfilterLayout() {
    }
}
