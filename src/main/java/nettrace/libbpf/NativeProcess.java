package nettrace.libbpf;

import static nettrace.libbpf.Native.INT;
import static nettrace.libbpf.Native.LONG;
import static nettrace.libbpf.Native.PTR;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The few libc calls about the process itself that nettrace needs. */
public final class NativeProcess {
    public static final int SIGINT = 2;

    private static final MethodHandle SIGNAL = Native.libc("signal", FunctionDescriptor.of(PTR, INT, PTR));
    private static final MethodHandle MALLOC_TRIM = Native.libc("malloc_trim", FunctionDescriptor.of(INT, LONG));

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

    /** Returns the C heap's free memory to the kernel (libbpf frees the kernel's BTF after loading). */
    public static void releaseFreedNativeMemory() {
        Native.call(MALLOC_TRIM, 0L);
    }
}
