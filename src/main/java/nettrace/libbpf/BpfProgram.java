package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** One program of a {@link BpfObject}: configured before load, attached or cloned after. */
public final class BpfProgram {
    private static final int INSTRUCTION_SIZE = 8;
    private static final byte LOAD_IMMEDIATE_64 = 0x18;
    private static final byte CALL = (byte) 0x85;
    private static final int PSEUDO_CALL = 1;
    private static final int PSEUDO_FUNC = 4;
    /** struct bpf_func_info: instruction offset, BTF type id */
    private static final int FUNCTION_INFO_SIZE = 8;
    private static final int VERIFIER_LOG_SIZE = 16 << 20;

    private final BpfObject owner;
    private final MemorySegment program;
    private final String name;
    /** Where setIdentity wrote its value (instruction indexes), so that clones patch the same places. */
    private long[] identitySlots = new long[0];
    private long identity;

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

    /**
     * Before the object loads: every 64-bit immediate equal to placeholder in this program's own
     * instructions becomes value, so the program loads as one tracer rather than as a template
     * that is only cloned. Its clones then patch the same instructions (see cloneFor). Returns
     * false, changing nothing, when the program holds no placeholder.
     */
    public boolean setIdentity(long placeholder, long value) {
        long count = instructionCount();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment instructions = copyOfInstructions(arena, count);
            long[] slots = immediates(instructions, count, placeholder);
            if (slots.length == 0) {
                return false;
            }
            patch(instructions, slots, value);
            check("bpf_program__set_insns", Native.callInt(Libbpf.PROGRAM_SET_INSNS, program, instructions, count));
            identitySlots = slots;
            identity = value;
            return true;
        }
    }

    /** How many 64-bit immediates of the loaded program (subprograms included) equal value. */
    public int countImmediates(long value) {
        long count = instructionCount();
        return immediates(instructions(count), count, value).length;
    }

    private long instructionCount() {
        return (long) Native.call(Libbpf.PROGRAM_INSN_COUNT, program);
    }

    /** libbpf's own instructions of this program (relocated once the object is loaded), count of them. */
    private MemorySegment instructions(long count) {
        MemorySegment source = Native.callPointer(Libbpf.PROGRAM_INSNS, program);
        return source.equals(MemorySegment.NULL) ? source : source.reinterpret(count * INSTRUCTION_SIZE);
    }

    /** A copy of them to patch, in arena. */
    private MemorySegment copyOfInstructions(Arena arena, long count) {
        MemorySegment copy = arena.allocate(count * INSTRUCTION_SIZE, 8);
        copy.copyFrom(instructions(count));
        return copy;
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
     * 64-bit immediate equal to {@code placeholder} replaced by {@code value}; in a program given
     * an identity by setIdentity, the immediates that identity took.
     *
     * @param attachBtfId the target's type id: a function (fentry/fexit) or btf_trace_ typedef (tp_btf)
     * @param attachBtfObjectFd fd of the kernel module's BTF holding that id, 0 for vmlinux
     */
    public LoadedProgram cloneFor(String cloneName, int attachBtfId, int attachBtfObjectFd, long placeholder,
            long value) {
        long count = instructionCount();
        if (count == 0 || instructions(count).equals(MemorySegment.NULL)) {
            throw new IllegalStateException(name + " must be loaded before it is cloned");
        }
        int type = Native.callInt(Libbpf.PROGRAM_TYPE, program);
        int attachType = Native.callInt(Libbpf.PROGRAM_EXPECTED_ATTACH_TYPE, program);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment instructions = copyOfInstructions(arena, count);
            boolean identified = identitySlots.length > 0;
            long[] slots = identified ? identitySlots : immediates(instructions, count, placeholder);
            long[] found = immediates(instructions, count, identified ? identity : placeholder);
            if (slots.length == 0 || !java.util.Arrays.equals(slots, found)) {
                throw new IllegalStateException(name + " has no placeholder to patch, or an identity out of place");
            }
            patch(instructions, slots, value);
            MemorySegment options = arena.allocate(Libbpf.PROG_LOAD_OPTS);
            options.set(Native.LONG, 0, Libbpf.PROG_LOAD_OPTS.byteSize());
            describeFunctions(arena, instructions, count, options);
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

    /**
     * A program with subprograms (a bpf_loop callback) loads only with BTF for each function: the
     * object's BTF, and the type of each function in the order the template's verified program
     * lists them, placed at the subprogram starts the instructions' calls point to.
     */
    private void describeFunctions(Arena arena, MemorySegment instructions, long count, MemorySegment options) {
        List<Long> starts = subprogramStarts(instructions, count);
        if (starts.size() == 1) {
            return;
        }
        int[] types = templateFunctionTypes(arena);
        if (types.length != starts.size()) {
            // The verifier removed functions this run's constants leave unreachable (the -f
            // interpreter's callback when no expression is given) and the template no longer says
            // which of these starts they were. Only a callback's address needs BTF; unreachable,
            // it is never checked, so the clone loads without.
            return;
        }
        MemorySegment functions = arena.allocate((long) FUNCTION_INFO_SIZE * types.length, 4);
        for (int i = 0; i < types.length; i++) {
            functions.set(ValueLayout.JAVA_INT, (long) i * FUNCTION_INFO_SIZE, starts.get(i).intValue());
            functions.set(ValueLayout.JAVA_INT, (long) i * FUNCTION_INFO_SIZE + 4, types[i]);
        }
        options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "prog_btf_fd"),
                Native.callInt(Libbpf.OBJECT_BTF_FD, owner.handle()));
        options.set(Native.PTR, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "func_info"), functions);
        options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "func_info_cnt"), types.length);
        options.set(Native.INT, Libbpf.offset(Libbpf.PROG_LOAD_OPTS, "func_info_rec_size"), FUNCTION_INFO_SIZE);
    }

    /** 0, then where each subprogram starts: the targets of BPF-to-BPF calls and callback addresses. */
    private static List<Long> subprogramStarts(MemorySegment instructions, long count) {
        java.util.TreeSet<Long> starts = new java.util.TreeSet<>(List.of(0L));
        for (long i = 0; i < count; i++) {
            long at = i * INSTRUCTION_SIZE;
            byte code = instructions.get(ValueLayout.JAVA_BYTE, at);
            int source = (instructions.get(ValueLayout.JAVA_BYTE, at + 1) >> 4) & 0xf;
            int immediate = instructions.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4);
            if ((code == CALL && source == PSEUDO_CALL) || (code == LOAD_IMMEDIATE_64 && source == PSEUDO_FUNC)) {
                starts.add(i + immediate + 1);
            }
            if (code == LOAD_IMMEDIATE_64) {
                i++;
            }
        }
        return List.copyOf(starts);
    }

    /** The BTF type of each function of the loaded template, main program first (bpf_prog_info). */
    private int[] templateFunctionTypes(Arena arena) {
        MemorySegment info = arena.allocate(Libbpf.PROG_INFO);
        MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
        length.set(ValueLayout.JAVA_INT, 0, (int) Libbpf.PROG_INFO.byteSize());
        check("bpf_obj_get_info_by_fd", Native.callInt(Libbpf.OBJ_GET_INFO_BY_FD, fd(), info, length));
        int functions = info.get(ValueLayout.JAVA_INT, Libbpf.offset(Libbpf.PROG_INFO, "nr_func_info"));
        MemorySegment records = arena.allocate((long) FUNCTION_INFO_SIZE * Math.max(1, functions), 8);
        info.fill((byte) 0);
        info.set(ValueLayout.JAVA_INT, Libbpf.offset(Libbpf.PROG_INFO, "nr_func_info"), functions);
        info.set(ValueLayout.JAVA_INT, Libbpf.offset(Libbpf.PROG_INFO, "func_info_rec_size"), FUNCTION_INFO_SIZE);
        info.set(ValueLayout.JAVA_LONG, Libbpf.offset(Libbpf.PROG_INFO, "func_info"), records.address());
        length.set(ValueLayout.JAVA_INT, 0, (int) Libbpf.PROG_INFO.byteSize());
        check("bpf_obj_get_info_by_fd", Native.callInt(Libbpf.OBJ_GET_INFO_BY_FD, fd(), info, length));
        int[] types = new int[functions];
        for (int i = 0; i < functions; i++) {
            types[i] = records.get(ValueLayout.JAVA_INT, (long) i * FUNCTION_INFO_SIZE + 4);
        }
        return types;
    }

    /** The indexes of the 64-bit immediate loads (no map or function reference) of value. */
    private static long[] immediates(MemorySegment instructions, long count, long value) {
        java.util.stream.LongStream.Builder found = java.util.stream.LongStream.builder();
        for (long i = 0; i + 1 < count; i++) {
            long at = i * INSTRUCTION_SIZE;
            if (instructions.get(ValueLayout.JAVA_BYTE, at) != LOAD_IMMEDIATE_64) {
                continue;
            }
            int source = (instructions.get(ValueLayout.JAVA_BYTE, at + 1) >> 4) & 0xf;
            long low = Integer.toUnsignedLong(instructions.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4));
            long high = Integer.toUnsignedLong(instructions.get(ValueLayout.JAVA_INT_UNALIGNED, at + 12));
            if (source == 0 && (high << 32 | low) == value) {
                found.add(i);
            }
            i++; // the second half of a 64-bit load is not an instruction of its own
        }
        return found.build().toArray();
    }

    private static void patch(MemorySegment instructions, long[] slots, long value) {
        for (long slot : slots) {
            long at = slot * INSTRUCTION_SIZE;
            instructions.set(ValueLayout.JAVA_INT_UNALIGNED, at + 4, (int) value);
            instructions.set(ValueLayout.JAVA_INT_UNALIGNED, at + 12, (int) (value >>> 32));
        }
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
