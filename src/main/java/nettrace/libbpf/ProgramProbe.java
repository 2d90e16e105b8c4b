package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.OptionalInt;

/**
 * Asks the kernel what it allows by loading and attaching a two-instruction program
 * ("r0 = 0; exit") of a given kind. Each probe returns empty when the kernel agreed, else the
 * errno it refused with.
 */
public final class ProgramProbe {
    public static final int PROG_TYPE_KPROBE = 2;
    public static final int PROG_TYPE_TRACING = 26;
    public static final int ATTACH_TRACE_FENTRY = 24;
    public static final int ATTACH_TRACE_KPROBE_MULTI = 42;

    /** r0 = 0 (BPF_ALU64 | BPF_MOV | BPF_K); exit (BPF_JMP | BPF_EXIT). */
    private static final long[] RETURN_ZERO = {0x00000000000000b7L, 0x0000000000000095L};
    private static final long LINK_CREATE_OPTS_SIZE = 64;
    private static final long KPROBE_MULTI_CNT = 36;
    private static final long KPROBE_MULTI_SYMS = 40;

    private ProgramProbe() {
    }

    private static final java.lang.invoke.MethodHandle LINK_CREATE = Native.libbpf("bpf_link_create",
            java.lang.foreign.FunctionDescriptor.of(Native.INT, Native.INT, Native.INT, Native.INT, Native.PTR));

    /** Loads an fentry program against the BTF function btfId and attaches it. */
    public static OptionalInt fentry(int btfId) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = load(arena, PROG_TYPE_TRACING, ATTACH_TRACE_FENTRY, btfId);
            if (fd < 0) {
                return OptionalInt.of(-fd);
            }
            try {
                int link = Native.callInt(Libbpf.RAW_TRACEPOINT_OPEN, MemorySegment.NULL, fd);
                if (link < 0) {
                    return OptionalInt.of(-link);
                }
                Native.call(Libbpf.CLOSE, link);
                return OptionalInt.empty();
            } finally {
                Native.call(Libbpf.CLOSE, fd);
            }
        }
    }

    /** Loads a kprobe-multi program and attaches it to one function. */
    public static OptionalInt kprobeMulti(String function) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = load(arena, PROG_TYPE_KPROBE, ATTACH_TRACE_KPROBE_MULTI, 0);
            if (fd < 0) {
                return OptionalInt.of(-fd);
            }
            try {
                MemorySegment symbols = arena.allocate(ValueLayout.ADDRESS);
                symbols.set(ValueLayout.ADDRESS, 0, Native.cString(arena, function));
                MemorySegment options = arena.allocate(LINK_CREATE_OPTS_SIZE, 8);
                options.set(Native.LONG, 0, LINK_CREATE_OPTS_SIZE);
                options.set(Native.INT, KPROBE_MULTI_CNT, 1);
                options.set(Native.PTR, KPROBE_MULTI_SYMS, symbols);
                int link = Native.callInt(LINK_CREATE, fd, 0, ATTACH_TRACE_KPROBE_MULTI, options);
                if (link < 0) {
                    return OptionalInt.of(-link);
                }
                Native.call(Libbpf.CLOSE, link);
                return OptionalInt.empty();
            } finally {
                Native.call(Libbpf.CLOSE, fd);
            }
        }
    }

    /** The two-instruction program of a kind loaded: its fd, or minus the errno the kernel refused it with. */
    static int load(Arena arena, int type, int attachType, int btfId) {
        MemorySegment instructions = arena.allocateFrom(ValueLayout.JAVA_LONG, RETURN_ZERO);
        MemorySegment options = arena.allocate(Libbpf.PROG_LOAD_OPTS);
        options.set(Native.LONG, 0, Libbpf.PROG_LOAD_OPTS.byteSize());
        options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "expected_attach_type"), attachType);
        options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "attach_btf_id"), btfId);
        return Native.callInt(Libbpf.PROG_LOAD, type, Native.cString(arena, "nettrace_probe"),
                Native.cString(arena, "GPL"), instructions, (long) RETURN_ZERO.length, options);
    }
}
