package nettrace.monitor;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import nettrace.config.Config;
import nettrace.config.PacketFilter;

/**
 * A validated `nettrace monitor` configuration.
 *
 * @param maxSeries   label sets per metric before new ones fold into "other"
 * @param log         the JSON-lines log file; empty: stdout
 * @param capture     capture on anomaly's settings; empty when it is off
 * @param commandLine nettrace's own command line, which captures build their configuration with
 */
public record MonitorConfig(PacketFilter filter, InetSocketAddress listen, int maxSeries, boolean tcpRtt,
        Optional<Path> log, Optional<CaptureSettings> capture, String version,
        Function<List<String>, Config> commandLine, boolean verbose) {

    /**
     * @param threshold drops per second of a class that start a capture (0: only new classes do)
     * @param interval  the least time between two captures of one class
     * @param duration  the longest a capture traces
     * @param lives     a capture ends after this many packets' lives
     * @param kept      diagnoses kept for /diagnoses
     */
    public record CaptureSettings(double threshold, Duration interval, Duration duration, int lives, int kept) {
    }

    /** Kernel map keys for drop classes: room for several keys per label set (call sites, interfaces). */
    public int dropKeys() {
        return (int) Math.min(1 << 20, Math.max(4096L, 4L * maxSeries));
    }
}
