package nettrace.bpf;

/** struct nt_filter_insn: one classic BPF instruction of a --filter program (struct sock_filter). */
@MirrorsBpf("nt_filter_insn")
public final class FilterInsnLayout {
    public static final int CODE = 0;
    public static final int JT = 2;
    public static final int JF = 3;
    public static final int K = 4;

    private FilterInsnLayout() {
    }
}
