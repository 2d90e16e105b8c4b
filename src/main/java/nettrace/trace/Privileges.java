package nettrace.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nettrace.NettraceException;

/** Checks, before anything is loaded, that this process may load and attach BPF programs. */
public final class Privileges {
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;

    private Privileges() {
    }

    public static void check() {
        long effective = effectiveCapabilities();
        if (has(effective, CAP_SYS_ADMIN) && has(effective, CAP_NET_ADMIN)) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if (!has(effective, CAP_BPF) && !has(effective, CAP_SYS_ADMIN)) {
            missing.add("CAP_BPF");
        }
        if (!has(effective, CAP_PERFMON) && !has(effective, CAP_SYS_ADMIN)) {
            missing.add("CAP_PERFMON");
        }
        if (!has(effective, CAP_NET_ADMIN)) {
            missing.add("CAP_NET_ADMIN");
        }
        if (!missing.isEmpty()) {
            throw new NettraceException("nettrace needs root (or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN); missing "
                    + String.join(", ", missing));
        }
    }

    private static boolean has(long capabilities, int capability) {
        return (capabilities & (1L << capability)) != 0;
    }

    private static long effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: unknown capabilities count as none
        }
        return 0;
    }
}
