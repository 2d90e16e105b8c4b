package nettrace.libbpf;

import static nettrace.libbpf.Native.INT;
import static nettrace.libbpf.Native.LONG;
import static nettrace.libbpf.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The few libc calls about the process itself that nettrace needs. */
public final class NativeProcess {
    public static final int SIGINT = 2;

    private static final MethodHandle SIGNAL = Native.libc("signal", FunctionDescriptor.of(PTR, INT, PTR));
    private static final int STDOUT = 1;
    private static final int F_SETPIPE_SZ = 1031;
    private static final MethodHandle FCNTL = Native.libc("fcntl", FunctionDescriptor.of(INT, INT, INT, INT),
            java.lang.foreign.Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MALLOC_TRIM = Native.libc("malloc_trim", FunctionDescriptor.of(INT, LONG));
    private static final MethodHandle GETTID = Native.libc("gettid", FunctionDescriptor.of(INT));
    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle SETPRIORITY = Native.libcWithErrno("setpriority",
            FunctionDescriptor.of(INT, INT, INT, INT));

    private NativeProcess() {
    }

    /**
     * Gives signal its default disposition back. A shell starts background jobs with SIGINT
     * ignored, and the JVM will not handle a signal it inherited ignored: `kill -INT` would
     * then do nothing at all.
     */
    public static void restoreDefaultSignal(int signal) {
        Native.call(SIGNAL, signal, MemorySegment.NULL);
    }

    /**
     * Lets the pipe on stdout, if it is one, hold bytes (the kernel's default is 64 KiB), so that
     * a reader that falls behind for a moment does not stall the trace output at once. Nothing
     * happens when stdout is not a pipe or the kernel refuses the size.
     */
    public static void enlargeStdoutPipe(int bytes) {
        Native.call(FCNTL, STDOUT, F_SETPIPE_SZ, bytes);
    }

    /** The kernel's id of the calling thread (what /proc/self/task lists). */
    public static int currentThreadId() {
        return (int) Native.call(GETTID);
    }

    /**
     * Sets one thread's nice value (on Linux a thread's own, not the whole process's).
     *
     * @return 0, or the errno of the refusal (EACCES: lowering it needs CAP_SYS_NICE)
     */
    public static int setNice(int threadId, int nice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int result = (int) Native.call(SETPRIORITY, state, PRIO_PROCESS, threadId, nice);
            return result == 0 ? 0 : Native.errno(state);
        }
    }

    /** Returns the C heap's free memory to the kernel (libbpf frees the kernel's BTF after loading). */
    public static void releaseFreedNativeMemory() {
        Native.call(MALLOC_TRIM, 0L);
    }
}
