package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** One program of a {@link BpfObject}: configured before load, attached or cloned after. */
public final class BpfProgram {
    private static final int INSTRUCTION_SIZE = 8;
    private static final byte LOAD_IMMEDIATE_64 = 0x18;
    private static final int VERIFIER_LOG_SIZE = 16 << 20;

    private final BpfObject owner;
    private final MemorySegment program;
    private final String name;

    BpfProgram(BpfObject owner, MemorySegment program) {
        this.owner = owner;
        this.program = program;
        this.name = Native.string(Native.callPointer(Libbpf.PROGRAM_NAME, program));
    }

    public String name() {
        return name;
    }

    public void setAutoload(boolean autoload) {
        check("bpf_program__set_autoload", Native.callInt(Libbpf.PROGRAM_SET_AUTOLOAD, program, autoload));
    }

    /** Sets the kernel function (fentry/fexit) or tracepoint (tp_btf) the program is verified against. */
    public void setAttachTarget(String target) {
        try (Arena arena = Arena.ofConfined()) {
            check("bpf_program__set_attach_target " + target, Native.callInt(Libbpf.PROGRAM_SET_ATTACH_TARGET,
                    program, 0, Native.cString(arena, target)));
        }
    }

    public int fd() {
        return Native.callInt(Libbpf.PROGRAM_FD, program);
    }

    /**
     * Attaches the program where its section and attach target say: a tp_btf program to its
     * tracepoint, an fentry or fexit program to its function.
     */
    public BpfLink attach() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment link = Native.callPointer(Libbpf.PROGRAM_ATTACH, state, program);
            if (link.equals(MemorySegment.NULL)) {
                throw new BpfException("attach", Native.errno(state), name);
            }
            return BpfLink.ofLibbpf(link);
        }
    }

    /** Attaches a kprobe or kretprobe; the cookie is what bpf_get_attach_cookie() returns. */
    public BpfLink attachKprobe(String function, boolean retprobe, long cookie) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment options = arena.allocate(Libbpf.KPROBE_OPTS);
            options.set(Native.LONG, 0, Libbpf.KPROBE_OPTS.byteSize());
            options.set(Native.LONG, Libbpf.offset(Libbpf.KPROBE_OPTS, "bpf_cookie"), cookie);
            options.set(Native.BOOL, Libbpf.offset(Libbpf.KPROBE_OPTS, "retprobe"), retprobe);
            MemorySegment state = Native.callState(arena);
            MemorySegment link = Native.callPointer(Libbpf.PROGRAM_ATTACH_KPROBE, state, program,
                    Native.cString(arena, function), options);
            if (link.equals(MemorySegment.NULL)) {
                throw new BpfException(retprobe ? "kretprobe" : "kprobe", Native.errno(state), function);
            }
            return BpfLink.ofLibbpf(link);
        }
    }

    /** Attaches one kprobe-multi link to many functions, each with its own cookie. */
    public BpfLink attachKprobeMulti(List<String> functions, long[] cookies, boolean retprobe) {
        if (functions.size() != cookies.length) {
            throw new IllegalArgumentException("one cookie per function");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment symbols = arena.allocate(ValueLayout.ADDRESS, functions.size());
            for (int i = 0; i < functions.size(); i++) {
                symbols.setAtIndex(ValueLayout.ADDRESS, i, Native.cString(arena, functions.get(i)));
            }
            MemorySegment cookieArray = arena.allocateFrom(ValueLayout.JAVA_LONG, cookies);
            MemorySegment options = arena.allocate(Libbpf.KPROBE_MULTI_OPTS);
            options.set(Native.LONG, 0, Libbpf.KPROBE_MULTI_OPTS.byteSize());
            options.set(Native.PTR, Libbpf.offset(Libbpf.KPROBE_MULTI_OPTS, "syms"), symbols);
            options.set(Native.PTR, Libbpf.offset(Libbpf.KPROBE_MULTI_OPTS, "cookies"), cookieArray);
            options.set(Native.LONG, Libbpf.offset(Libbpf.KPROBE_MULTI_OPTS, "cnt"), (long) functions.size());
            options.set(Native.BOOL, Libbpf.offset(Libbpf.KPROBE_MULTI_OPTS, "retprobe"), retprobe);
            MemorySegment state = Native.callState(arena);
            MemorySegment link = Native.callPointer(Libbpf.PROGRAM_ATTACH_KPROBE_MULTI, state, program,
                    MemorySegment.NULL, options);
            if (link.equals(MemorySegment.NULL)) {
                throw new BpfException(retprobe ? "kretprobe-multi" : "kprobe-multi", Native.errno(state),
                        functions.size() + " functions");
            }
            return BpfLink.ofLibbpf(link);
        }
    }

    /**
     * Loads a copy of this (loaded) program verified against another BTF target, with every
     * 64-bit immediate equal to {@code placeholder} replaced by {@code value}.
     *
     * @param attachBtfId the target's type id: a function (fentry/fexit) or btf_trace_ typedef (tp_btf)
     * @param attachBtfObjectFd fd of the kernel module's BTF holding that id, 0 for vmlinux
     */
    public LoadedProgram cloneFor(String cloneName, int attachBtfId, int attachBtfObjectFd, long placeholder,
            long value) {
        MemorySegment source = Native.callPointer(Libbpf.PROGRAM_INSNS, program);
        long count = (long) Native.call(Libbpf.PROGRAM_INSN_COUNT, program);
        if (source.equals(MemorySegment.NULL) || count == 0) {
            throw new IllegalStateException(name + " must be loaded before it is cloned");
        }
        int type = Native.callInt(Libbpf.PROGRAM_TYPE, program);
        int attachType = Native.callInt(Libbpf.PROGRAM_EXPECTED_ATTACH_TYPE, program);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment instructions = arena.allocate(count * INSTRUCTION_SIZE, 8);
            instructions.copyFrom(source.reinterpret(count * INSTRUCTION_SIZE));
            int patched = patchImmediates(instructions, count, placeholder, value);
            if (patched == 0) {
                throw new IllegalStateException(name + " has no placeholder to patch");
            }
            MemorySegment options = arena.allocate(Libbpf.PROG_LOAD_OPTS);
            options.set(Native.LONG, 0, Libbpf.PROG_LOAD_OPTS.byteSize());
            options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "expected_attach_type"), attachType);
            options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "attach_btf_id"), attachBtfId);
            options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "attach_btf_obj_fd"), attachBtfObjectFd);
            MemorySegment nameSegment = Native.cString(arena, cloneName);
            MemorySegment license = Native.cString(arena, "GPL");
            int fd = Native.callInt(Libbpf.PROG_LOAD, type, nameSegment, license, instructions, count, options);
            if (fd >= 0) {
                return new LoadedProgram(cloneName, fd);
            }
            // load again with the verifier's log on, only now that it is needed
            MemorySegment log = arena.allocate(VERIFIER_LOG_SIZE);
            options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "log_level"), 1);
            options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "log_size"), VERIFIER_LOG_SIZE);
            options.set(Native.PTR, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "log_buf"), log);
            int retry = Native.callInt(Libbpf.PROG_LOAD, type, nameSegment, license, instructions, count, options);
            if (retry >= 0) {
                return new LoadedProgram(cloneName, retry);
            }
            throw new BpfException("bpf_prog_load", -fd, cloneName,
                    log.getString(0, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static int patchImmediates(MemorySegment instructions, long count, long placeholder, long value) {
        int patched = 0;
        for (long i = 0; i + 1 < count; i++) {
            long at = i * INSTRUCTION_SIZE;
            if (instructions.get(ValueLayout.JAVA_BYTE, at) != LOAD_IMMEDIATE_64) {
                continue;
            }
            long low = Integer.toUnsignedLong(instructions.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4));
            long high = Integer.toUnsignedLong(instructions.get(ValueLayout.JAVA_INT_UNALIGNED, at + 12));
            if ((high << 32 | low) == placeholder) {
                instructions.set(ValueLayout.JAVA_INT_UNALIGNED, at + 4, (int) value);
                instructions.set(ValueLayout.JAVA_INT_UNALIGNED, at + 12, (int) (value >>> 32));
                patched++;
            }
            i++; // the second half of a 64-bit load is not an instruction of its own
        }
        return patched;
    }

    private void check(String operation, int result) {
        if (result < 0) {
            throw new BpfException(operation, -result, name);
        }
    }

    BpfObject owner() {
        return owner;
    }
}
