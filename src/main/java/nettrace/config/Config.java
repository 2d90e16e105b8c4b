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
        long count,
        Optional<Duration> duration,
        List<String> command,
        Optional<Path> btfPath,
        Verbosity verbosity) {

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
            boolean force) {

        public static final TracerSelection DEFAULTS = new TracerSelection(List.of(), List.of(), false);
    }

    /** How events are printed. */
    public record OutputOptions(
            boolean detail,
            boolean date,
            boolean returnValues) {

        public static final OutputOptions DEFAULTS = new OutputOptions(false, false, false);
    }

    public static Config of(Mode mode, PacketFilter filter) {
        return new Config(mode, filter, TracerSelection.DEFAULTS, OutputOptions.DEFAULTS, 0, Optional.empty(),
                List.of(), Optional.empty(), Verbosity.QUIET);
    }
}
