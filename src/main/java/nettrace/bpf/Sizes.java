package nettrace.bpf;

/** enum nt_sizes: sizes, limits and the tracer placeholder both sides know. */
@MirrorsBpf("nt_sizes")
public final class Sizes {
    public static final int MAX_TRACERS = 8192;
    public static final int NF_HOOKS_MAX = 8;
    public static final int RTT_BUCKETS = 32;
    public static final int STACK_DEPTH = 127;
    public static final int SNAPLEN_MAX = 1024;
    public static final int FILTER_MAX_INSNS = 4096;
    public static final long TRACER_PLACEHOLDER_HIGH = 0x7eadbeefL;
    public static final long TRACER_PLACEHOLDER_LOW = 0xcafe1234L;

    private Sizes() {
    }

    /** The 64-bit constant each template holds in place of its tracer's identity. */
    public static long tracerPlaceholder() {
        return TRACER_PLACEHOLDER_HIGH << 32 | TRACER_PLACEHOLDER_LOW;
    }
}
