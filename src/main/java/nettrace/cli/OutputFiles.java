package nettrace.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nettrace.NettraceException;

/**
 * Where --output-file may not point: the kernel's own files (/proc, /sys), where a trace would
 * land in a setting or fail on the first line, and devices other than the null device and
 * terminals (/dev/full fails every write).
 */
final class OutputFiles {
    private static final List<Path> KERNEL_FILES = List.of(Path.of("/proc"), Path.of("/sys"));
    private static final List<String> WRITABLE_DEVICES = List.of("/dev/null", "/dev/stdout", "/dev/stderr",
            "/dev/tty");

    private OutputFiles() {
    }

    static void refuseSpecial(Path file) {
        if (WRITABLE_DEVICES.contains(file.toAbsolutePath().normalize().toString())) {
            return;
        }
        Path real = realPath(file);
        if (KERNEL_FILES.stream().anyMatch(real::startsWith)) {
            throw NettraceException.badInput("--output-file: " + file + " is a kernel file (under /proc or /sys),"
                    + " not a place for a trace");
        }
        String name = real.toString();
        boolean terminal = name.startsWith("/dev/pts/") || name.startsWith("/dev/tty");
        if (real.startsWith("/dev") && !terminal && !WRITABLE_DEVICES.contains(name)
                && !(Files.exists(real) && Files.isRegularFile(real))) {
            throw NettraceException.badInput("--output-file: cannot write " + file + ": a device, not a file"
                    + " (use /dev/null to discard the trace)");
        }
    }

    /** The path with its links resolved, as far as it exists (the file itself may not yet). */
    private static Path realPath(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        try {
            return Files.exists(absolute) ? absolute.toRealPath() : absolute.getParent().toRealPath()
                    .resolve(absolute.getFileName());
        } catch (IOException e) {
            return absolute;
        }
    }
}
