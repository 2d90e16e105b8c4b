package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import nettrace.NettraceException;

/** Symbol lookup and call plumbing shared by the binding's classes. */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfBoolean BOOL = ValueLayout.JAVA_BOOLEAN;
    static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static volatile SymbolLookup libbpf;

    private Native() {
    }

    private static SymbolLookup libbpf() {
        SymbolLookup lookup = libbpf;
        if (lookup == null) {
            synchronized (Native.class) {
                if (libbpf == null) {
                    try {
                        libbpf = SymbolLookup.libraryLookup("libbpf.so.1", Arena.global());
                    } catch (IllegalArgumentException e) {
                        throw new NettraceException(
                                "libbpf.so.1 not found: install libbpf 1.x (Debian: apt-get install libbpf1)");
                    }
                }
                lookup = libbpf;
            }
        }
        return lookup;
    }

    /** A libbpf function; libbpf 1.x reports errors as negative return values. */
    static MethodHandle libbpf(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(libbpf(), name), descriptor);
    }

    /** A libbpf function that reports errors through errno (those returning pointers). */
    static MethodHandle libbpfWithErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(libbpf(), name), descriptor, CAPTURE_ERRNO);
    }

    static MethodHandle libc(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(find(LIBC, name), descriptor, options);
    }

    static MethodHandle libcWithErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(LIBC, name), descriptor, CAPTURE_ERRNO);
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new NettraceException(
                "the installed libbpf lacks " + name + ": nettrace needs libbpf 1.1 or newer"));
    }

    /** Space for the errno a call leaves behind. */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    static MemorySegment cString(Arena arena, String text) {
        return arena.allocateFrom(text, StandardCharsets.UTF_8);
    }

    static String string(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return "";
        }
        return pointer.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }

    /** Calls a downcall handle, turning the checked Throwable of invoke into an unchecked one. */
    static Object call(MethodHandle handle, Object... arguments) {
        try {
            return handle.invokeWithArguments(arguments);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("native call failed", e);
        }
    }

    static int callInt(MethodHandle handle, Object... arguments) {
        return (int) call(handle, arguments);
    }

    static MemorySegment callPointer(MethodHandle handle, Object... arguments) {
        return (MemorySegment) call(handle, arguments);
    }
}
