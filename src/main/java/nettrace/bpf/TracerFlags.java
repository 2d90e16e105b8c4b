package nettrace.bpf;

/** enum nt_tracer_flag: the high half of a tracer's identity, what the plan says of the tracer. */
@MirrorsBpf("nt_tracer_flag")
public final class TracerFlags {
    public static final int TRACER_MATCHER = 1;
    public static final int TRACER_FREE = 1 << 1;
    public static final int TRACER_CLONE = 1 << 2;
    public static final int TRACER_STACK = 1 << 3;
    public static final int TRACER_DROP = 1 << 4;
    public static final int TRACER_HEADERS_UNWRITTEN = 1 << 8;

    private TracerFlags() {
    }
}
