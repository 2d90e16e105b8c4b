package nettrace.libbpf;

import static nettrace.libbpf.Native.INT;
import static nettrace.libbpf.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * Routes libbpf's print callback to a Java sink, and keeps the verifier log libbpf prints
 * when a program load fails so the failure can carry it.
 */
public final class LibbpfLog {
    /** libbpf's print levels. */
    public enum Level { WARN, INFO, DEBUG }

    /*
     * libbpf prints a failed program's whole verifier log in one call, megabytes at worst. The
     * buffer is malloc'ed once and never cleared, so only the pages a message uses become resident.
     */
    private static final long PRINT_BUFFER = 16L << 20;
    private static final java.lang.invoke.MethodHandle MALLOC =
            Native.libc("malloc", FunctionDescriptor.of(PTR, Native.LONG));
    private static MemorySegment printBuffer;
    /** Every line the sink gets starts with it, as libbpf's own printer writes them. */
    private static final String PREFIX = "libbpf: ";
    private static final String LOG_BEGIN = "-- BEGIN PROG LOAD LOG --";
    private static final String LOG_END = "-- END PROG LOAD LOG --";

    private static volatile BiConsumer<Level, String> sink = (level, line) -> { };
    /** The most detailed level the sink takes; libbpf's thousands of debug lines cost an upcall each. */
    private static volatile Level mostDetailed = Level.WARN;
    private static final StringBuilder verifierLog = new StringBuilder();
    private static boolean insideVerifierLog;
    private static String rejectedProgram = "";
    private static final java.util.regex.Pattern FAILED_PROGRAM =
            java.util.regex.Pattern.compile(
                    "prog '([^']+)': (?:BPF program load failed|failed to load|relo #\\d+: failed to relocate)");
    private static boolean installed;

    private LibbpfLog() {
    }

    /**
     * Installs the callback once; later calls only replace the sink, which gets the lines of
     * level mostDetailed and the less detailed levels.
     */
    public static synchronized void install(Level mostDetailedLevel, BiConsumer<Level, String> newSink) {
        sink = newSink;
        mostDetailed = mostDetailedLevel;
        if (installed) {
            return;
        }
        try {
            var target = MethodHandles.lookup().findStatic(LibbpfLog.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment callback = Native.LINKER.upcallStub(target,
                    FunctionDescriptor.of(INT, INT, PTR, PTR), Arena.global());
            Native.call(Libbpf.SET_PRINT, callback);
            installed = true;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Called by libbpf with a printf format and its va_list; must never throw. */
    private static synchronized int print(int level, MemorySegment format, MemorySegment arguments) {
        Level mapped = level <= 0 ? Level.WARN : level == 1 ? Level.INFO : Level.DEBUG;
        if (mapped.compareTo(mostDetailed) > 0) {
            return 0;    // what remember() looks for comes as warnings
        }
        try {
            if (printBuffer == null) {
                MemorySegment allocated = Native.callPointer(MALLOC, PRINT_BUFFER);
                if (allocated.equals(MemorySegment.NULL)) {
                    return 0;
                }
                printBuffer = allocated.reinterpret(PRINT_BUFFER);
            }
            int length = Native.callInt(Libbpf.VSNPRINTF, printBuffer, PRINT_BUFFER, format, arguments);
            String text = printBuffer.getString(0, StandardCharsets.UTF_8);
            if (length >= PRINT_BUFFER) {
                text += "\n[message truncated at " + PRINT_BUFFER + " bytes]\n";
            }
            remember(text);
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    sink.accept(mapped, line.startsWith(PREFIX) ? line : PREFIX + line);
                }
            }
        } catch (Throwable ignored) {
            // an exception must not unwind into libbpf's C frames
        }
        return 0;
    }

    /** Keeps the verifier log (libbpf prints it between markers, in one call or several). */
    private static synchronized void remember(String text) {
        java.util.regex.Matcher failed = FAILED_PROGRAM.matcher(text);
        if (failed.find()) {
            rejectedProgram = failed.group(1);
        }
        int begin = text.indexOf(LOG_BEGIN);
        if (begin >= 0) {
            verifierLog.setLength(0);
            insideVerifierLog = true;
            text = text.substring(begin + LOG_BEGIN.length()).replaceFirst("^\n", "");
        }
        if (!insideVerifierLog) {
            return;
        }
        int end = text.indexOf(LOG_END);
        if (end >= 0) {
            verifierLog.append(text, 0, end);
            insideVerifierLog = false;
        } else {
            verifierLog.append(text);
        }
    }

    /** The program whose load libbpf last reported failed, cleared by reading it. */
    static synchronized String takeRejectedProgram() {
        String program = rejectedProgram;
        rejectedProgram = "";
        return program;
    }

    /** The last verifier log libbpf printed, cleared by reading it. */
    static synchronized String takeVerifierLog() {
        String log = verifierLog.toString();
        verifierLog.setLength(0);
        return log;
    }
}
