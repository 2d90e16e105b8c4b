package nettrace.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A validated run configuration: everything the tracing layers need, nothing about how it
 * was typed. Built by the command line, or directly by tests.
 */
public record Config(
        Mode mode,
        PacketFilter filter,
        TracerSelection tracers,
        OutputOptions output,
        DiagOptions diag,
        ModeOptions modes,
        long count,
        Optional<Duration> duration,
        List<String> command,
        Optional<Path> btfPath,
        Verbosity verbosity,
        Reading reading) {

    /**
     * How the kernel's events are read.
     *
     * @param ringMebibytes the ring buffer they cross in, MiB (--ring-size; a power of two)
     * @param nice          the nice value the reader and the collector run at while tracing (--nice);
     *                      0 leaves them as they are
     */
    public record Reading(int ringMebibytes, int nice) {
        public static final int DEFAULT_RING_MEBIBYTES = 4;
        public static final int MAX_RING_MEBIBYTES = 256;
        public static final int DEFAULT_NICE = -5;
        public static final Reading DEFAULTS = new Reading(DEFAULT_RING_MEBIBYTES, DEFAULT_NICE);

        public int ringBytes() {
            return ringMebibytes << 20;
        }
    }

    /** How much nettrace says about itself on stderr. */
    public enum Verbosity { QUIET, VERBOSE, DEBUG;

        public boolean verbose() {
            return this != QUIET;
        }

        public boolean debug() {
            return this == DEBUG;
        }
    }

    /** Which tracers to attach, and how they treat skbs. */
    public record TracerSelection(
            List<String> trace,
            List<String> exclude,
            Optional<java.util.regex.Pattern> functions,
            boolean force,
            List<String> matchers,
            List<String> free,
            boolean noClone,
            List<String> stacks) {

        public static final TracerSelection DEFAULTS = new TracerSelection(List.of(), List.of(), Optional.empty(),
                false, List.of(), List.of(), false, List.of());

        /** True for `-t ?`: list the tree instead of tracing. */
        public boolean listTree() {
            return trace.contains("?");
        }
    }

    /**
     * How events are written, and where.
     *
     * @param snaplen packet bytes captured per event for pcapng (0 for the other formats)
     * @param record  where the run's decoded events are recorded too (--record), for `nettrace replay`
     */
    public record OutputOptions(
            boolean detail,
            boolean date,
            boolean returnValues,
            boolean tiny,
            OutputFormat format,
            Optional<java.nio.file.Path> file,
            int snaplen,
            Optional<java.nio.file.Path> record) {

        public static final OutputOptions DEFAULTS = new OutputOptions(false, false, false, false, OutputFormat.TEXT,
                Optional.empty(), 0, Optional.empty());

        public boolean json() {
            return format == OutputFormat.JSON;
        }

        /** True when what is written on stdout is for a program: nettrace's own words go to stderr. */
        public boolean machineReadableStdout() {
            return format.isMachineReadable() && file.isEmpty();
        }
    }

    /** --diag's options: show only problem packets, keep going after the first error, list hooks. */
    public record DiagOptions(boolean quiet, boolean keep, boolean hooks) {
        public static final DiagOptions DEFAULTS = new DiagOptions(false, false, false);
    }

    /**
     * What the other modes need: stacks of drops, RTT detail and thresholds, latency flavours,
     * and the basic/drop rate limit (events per second, 0 = none).
     */
    public record ModeOptions(
            boolean dropStack,
            boolean rttDetail,
            long minSrttMicros,
            long minRttMicros,
            boolean latencySummary,
            boolean latencyShow,
            boolean latencyFree,
            long minLatencyMicros,
            long rateLimit) {

        public static final ModeOptions DEFAULTS = new ModeOptions(false, false, 0, 0, false, false, false, 0, 0);
    }

    /** True when return values are to be collected: asked for, or needed by the diagnosis. */
    public boolean wantsReturnValues() {
        return output.returnValues() || mode == Mode.DIAG;
    }

    public static Config of(Mode mode, PacketFilter filter) {
        return new Config(mode, filter, TracerSelection.DEFAULTS, OutputOptions.DEFAULTS, DiagOptions.DEFAULTS,
                ModeOptions.DEFAULTS, 0, Optional.empty(), List.of(), Optional.empty(), Verbosity.QUIET, Reading.DEFAULTS);
    }
}
