package nettrace.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.config.Mode;
import nettrace.config.ModeOption;
import nettrace.config.PacketFilter;
import nettrace.output.Console;
import nettrace.trace.Nettrace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The nettrace command line: options in, a validated {@link Config} out. */
@Command(name = "nettrace",
        subcommands = {DemoCommand.class, ReplayCommand.class, MonitorCommand.class},
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Trace packets through the Linux network stack with eBPF, and diagnose why they are dropped.",
            "Needs root (or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN) and a kernel with BTF."},
        footer = {"", "With -- COMMAND, the command runs once tracing has begun and tracing stops when it exits:",
            "the command sets the span. --diag does not end it at the first error (it stops showing packets",
            "and says so). With --output json on stdout, the command's standard output goes to stderr, so",
            "stdout holds JSON records only."})
public final class NettraceCommand implements Callable<Integer> {

    @Mixin
    ViewOfEvents shown = new ViewOfEvents();

    @Option(names = "--trace-stack", paramLabel = "LIST", split = ",",
            description = "print the kernel stack at these tracers")
    List<String> traceStack = new ArrayList<>();

    @Option(names = {"-t", "--trace"}, paramLabel = "LIST", split = ",",
            description = "tracers or groups to enable ('all' for every one, '?' to list them)")
    List<String> trace = new ArrayList<>();

    @Option(names = "--trace-exclude", paramLabel = "LIST", split = ",", description = "tracers or groups to leave out")
    List<String> traceExclude = new ArrayList<>();

    @Option(names = "--trace-func", paramLabel = "REGEX",
            description = "also trace every kernel function taking a struct sk_buff * whose name matches")
    String traceFunctions;

    @Option(names = "--trace-matcher", paramLabel = "LIST", split = ",",
            description = "only these tracers may start following a new skb (default: all but those that free it "
                    + "normally, such as consume_skb)")
    List<String> traceMatcher = new ArrayList<>();

    @Option(names = "--trace-free", paramLabel = "LIST", split = ",",
            description = "tracers that also end an skb's life")
    List<String> traceFree = new ArrayList<>();

    @Option(names = "--trace-noclone", description = "do not follow clones of followed skbs")
    boolean traceNoClone;

    @Option(names = "--force", description = "allow -t all or --trace-func without a filter")
    boolean force;

    @Option(names = "--record", paramLabel = "FILE",
            description = "also record the decoded events in FILE (JSON lines) for `nettrace replay`")
    Path record;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "stop after this many seconds")
    String duration;

    @Option(names = "--btf-path", paramLabel = "FILE", description = "kernel BTF to use instead of /sys/kernel/btf/vmlinux")
    Path btfPath;

    @Option(names = "--ring-size", paramLabel = "MIB", defaultValue = "" + Config.Reading.DEFAULT_RING_MEBIBYTES,
            description = "MiB of ring buffer the kernel's events cross in, a power of two up to "
                    + Config.Reading.MAX_RING_MEBIBYTES + " (default ${DEFAULT-VALUE}, some 30,000-50,000 events: a larger "
                    + "one rides out a longer burst or pause without losing events)")
    int ringSize;

    @Option(names = "--nice", paramLabel = "N", defaultValue = "" + Config.Reading.DEFAULT_NICE,
            description = "nice value of the thread that reads the kernel's events, and of the collector's, while "
                    + "tracing (-20 to 19, default ${DEFAULT-VALUE}: ahead of a busy workload, so that events are not "
                    + "lost; 0 leaves it as it is)")
    int nice;

    @Option(names = {"-v", "--verbose"}, description = "say what is attached and how")
    boolean verbose;

    @Option(names = "--debug", description = "show libbpf messages, verifier logs and stack traces")
    boolean debug;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "command to run while tracing (after --)")
    List<String> command = new ArrayList<>();

    private Console console = Console.system();

    void useConsole(Console console) {
        this.console = console;
    }

    Console console() {
        return console;
    }

    @Override
    public Integer call() {
        return Nettrace.run(toConfig(), console);
    }

    @Spec
    CommandSpec spec;

    /** Validates the options; throws a one-line {@link NettraceException} on bad input. */
    public Config toConfig() {
        checkCommandFollowsSeparator();
        Mode mode = shown.modes.mode();
        mode.check(givenModeOptions(mode), shown.view.format());
        PacketFilter filter = shown.filters.filter();
        if (btfPath != null && !btfPath.toFile().isFile()) {
            throw NettraceException.badInput("--btf-path: no such file: " + btfPath);
        }
        if (btfPath != null && !startsWithBtfMagic(btfPath)) {
            throw NettraceException.badInput("--btf-path: " + btfPath + " is not BTF data");
        }
        List<String> tracers = clean(trace);
        Optional<java.util.regex.Pattern> functions = Optional.ofNullable(traceFunctions).map(NettraceCommand::regex);
        if ((tracers.contains("all") || functions.isPresent()) && !filter.selectsPackets() && !force) {
            throw NettraceException.badInput((tracers.contains("all") ? "-t all" : "--trace-func")
                    + " without a filter traces every packet of the machine: add a filter or --force");
        }
        return new Config(mode, filter,
                new Config.TracerSelection(tracers, clean(traceExclude), functions, force, clean(traceMatcher),
                        clean(traceFree), traceNoClone, clean(traceStack)),
                shown.view.outputOptions(Optional.ofNullable(record)),
                shown.modes.diagOptions(),
                shown.modes.modeOptions(),
                shown.view.count(),
                duration == null ? Optional.empty() : Optional.of(seconds(duration)),
                List.copyOf(command), Optional.ofNullable(btfPath), verbosity(), reading());
    }

    private Config.Reading reading() {
        if (ringSize < 1 || ringSize > Config.Reading.MAX_RING_MEBIBYTES || Integer.bitCount(ringSize) != 1) {
            throw NettraceException.badInput("--ring-size: " + ringSize + " is not a power of two from 1 to "
                    + Config.Reading.MAX_RING_MEBIBYTES + " (MiB)");
        }
        if (nice < -20 || nice > 19) {
            throw NettraceException.badInput("--nice: " + nice + " is not a nice value (-20 to 19)");
        }
        return new Config.Reading(ringSize, nice);
    }

    Config.Verbosity verbosity() {
        return debug ? Config.Verbosity.DEBUG : verbose ? Config.Verbosity.VERBOSE : Config.Verbosity.QUIET;
    }

    /** The mode-bound options given, all of them: the mode refuses those it does not take. */
    private Set<ModeOption> givenModeOptions(Mode mode) {
        Set<ModeOption> given = shown.given();
        ModeFlags.add(given, !traceMatcher.isEmpty() || !traceFree.isEmpty() || traceNoClone, ModeOption.FOLLOWING);
        ModeFlags.add(given, !trace.isEmpty() || !traceExclude.isEmpty() || traceFunctions != null,
                ModeOption.TRACER_CHOICE);
        ModeFlags.add(given, !traceStack.isEmpty(), ModeOption.TRACE_STACK);
        if (mode == Mode.RTT && given.contains(ModeOption.COUNT) && !shown.modes.rttDetail) {
            throw NettraceException.badInput("-c counts --rtt-detail's samples: --rtt alone prints no event");
        }
        return given;
    }

    /**
     * A word that is no option is taken for the command to run only after "--": `nettrace foo`
     * is a typo far more often than a command, and it would run only once everything is attached.
     */
    private void checkCommandFollowsSeparator() {
        if (command.isEmpty() || spec == null || spec.commandLine().getParseResult() == null) {
            return;
        }
        List<String> typed = spec.commandLine().getParseResult().originalArgs();
        int separator = typed.indexOf("--");
        if (separator < 0 || typed.size() - separator - 1 != command.size()) {
            throw NettraceException.badInput("unexpected argument '" + command.getFirst() + "': to run a command"
                    + " while tracing, put it after --: nettrace [options] -- " + String.join(" ", command));
        }
    }

    /** BTF files begin with the magic 0xeb9f (in the file's byte order). */
    private static boolean startsWithBtfMagic(java.nio.file.Path path) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(2);
            return magic.length == 2 && ((magic[0] == (byte) 0x9f && magic[1] == (byte) 0xeb)
                    || (magic[0] == (byte) 0xeb && magic[1] == (byte) 0x9f));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The longest --duration: ten years, far inside what a deadline in nanoseconds can hold. */
    static final long MAX_DURATION_SECONDS = 10L * 365 * 24 * 3600;

    static Duration seconds(String text) {
        double value;
        try {
            value = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!(value > 0) || !(value <= MAX_DURATION_SECONDS)) {
            throw NettraceException.badInput("--duration: expected a number of seconds from above 0 to "
                    + MAX_DURATION_SECONDS + " (ten years), got '" + text + "'");
        }
        return Duration.ofNanos(Math.max(1, (long) (value * 1e9)));
    }

    private static java.util.regex.Pattern regex(String text) {
        try {
            return java.util.regex.Pattern.compile(text);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw NettraceException.badInput("--trace-func: invalid regular expression '" + text + "': "
                    + e.getDescription());
        }
    }

    private static List<String> clean(List<String> names) {
        return names.stream().map(String::strip).filter(n -> !n.isEmpty()).toList();
    }
}
