package nettrace.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.config.Mode;
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
        subcommands = {DemoCommand.class, MonitorCommand.class},
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

    // first, so the filters lead the help as they always did
    @Mixin
    PacketFilterOptions filterOptions = new PacketFilterOptions();

    @Option(names = "--basic", description = "print every hit as it comes, without following skbs")
    boolean basic;

    @Option(names = "--diag", description = "diagnose: findings per event and an analysis with fix advice")
    boolean diag;

    @Option(names = "--diag-quiet", description = "diagnose, showing only packets with problems")
    boolean diagQuiet;

    @Option(names = "--diag-keep", description = "diagnose, and keep going after the first error")
    boolean diagKeep;

    @Option(names = "--hooks", description = "in diagnosis, list the netfilter hook functions of a drop's hook")
    boolean hooks;

    @Option(names = "--drop", description = "drop monitor: every kfree_skb with its reason and location")
    boolean drop;

    @Option(names = "--drop-stack", description = "drop monitor with the kernel stack of each drop")
    boolean dropStack;

    @Option(names = "--sock", description = "trace struct sock events: TCP state changes, retransmits, resets")
    boolean sock;

    @Option(names = "--rtt", description = "histogram of TCP round-trip times, each second")
    boolean rtt;

    @Option(names = "--rtt-detail", description = "with --rtt, also a line per sample")
    boolean rttDetail;

    @Option(names = "--filter-srtt", paramLabel = "MS", description = "--rtt: only samples of at least MS ms")
    String filterSrtt;

    @Option(names = "--filter-minrtt", paramLabel = "MS",
            description = "--rtt: only connections whose minimum RTT is at least MS ms")
    String filterMinRtt;

    @Option(names = "--latency", description = "one line per skb: first point, last point and the time between")
    boolean latency;

    @Option(names = "--latency-summary", description = "histogram of skb lifetimes, each second")
    boolean latencySummary;

    @Option(names = "--latency-show", description = "in lifecycle and --diag blocks, the time from the previous event")
    boolean latencyShow;

    @Option(names = "--latency-free", description = "count the skb's free as its last point")
    boolean latencyFree;

    @Option(names = "--min-latency", paramLabel = "US", description = "only skbs that lived at least US microseconds")
    String minLatency;

    @Option(names = "--func-stats", description = "hits per tracer, each second, instead of events")
    boolean funcStats;

    @Option(names = "--trace-stack", paramLabel = "LIST", split = ",",
            description = "print the kernel stack at these tracers")
    List<String> traceStack = new ArrayList<>();

    @Option(names = "--rate-limit", paramLabel = "N", description = "at most N events per second (--basic, --drop)")
    String rateLimit;

    @Option(names = {"-t", "--trace"}, paramLabel = "LIST", split = ",",
            description = "tracers or groups to enable ('all' for every one, '?' to list them)")
    List<String> trace = new ArrayList<>();

    @Option(names = "--trace-exclude", paramLabel = "LIST", split = ",", description = "tracers or groups to leave out")
    List<String> traceExclude = new ArrayList<>();

    @Option(names = "--trace-func", paramLabel = "REGEX",
            description = "also trace every kernel function taking a struct sk_buff * whose name matches")
    String traceFunctions;

    @Option(names = "--trace-matcher", paramLabel = "LIST", split = ",",
            description = "only these tracers may start following a new skb")
    List<String> traceMatcher = new ArrayList<>();

    @Option(names = "--trace-free", paramLabel = "LIST", split = ",",
            description = "tracers that also end an skb's life")
    List<String> traceFree = new ArrayList<>();

    @Option(names = "--trace-noclone", description = "do not follow clones of followed skbs")
    boolean traceNoClone;

    @Option(names = "--force", description = "allow -t all or --trace-func without a filter")
    boolean force;

    @Option(names = "--ret", description = "show the return values of traced functions")
    boolean returnValues;

    @Option(names = "--detail", description = "show CPU, interface, process and network namespace")
    boolean detail;

    @Option(names = "--tiny-show", description = "in a packet's life, show the packet on its first event only")
    boolean tinyShow;

    @Option(names = "--output", paramLabel = "FORMAT",
            description = "text (default) or json: one JSON object per line (see docs/json-output.md)")
    String output;

    @Option(names = "--output-file", paramLabel = "PATH", description = "write the trace to PATH instead of stdout")
    java.nio.file.Path outputFile;

    @Option(names = "--date", description = "print wall-clock time instead of seconds since boot")
    boolean date;

    @Option(names = {"-c", "--count"}, paramLabel = "N", description = "stop after N events (N packets' lives)")
    String count;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "stop after this many seconds")
    String duration;

    @Option(names = "--btf-path", paramLabel = "FILE", description = "kernel BTF to use instead of /sys/kernel/btf/vmlinux")
    Path btfPath;

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
        Mode mode = mode();
        PacketFilter filter = filterOptions.filter();
        Config.Verbosity verbosity = debug ? Config.Verbosity.DEBUG
                : verbose ? Config.Verbosity.VERBOSE : Config.Verbosity.QUIET;
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
                new Config.OutputOptions(detail, date, returnValues, tinyShow, json(), outputFile()),
                new Config.DiagOptions(diagQuiet, diagKeep, hooks),
                modeOptions(),
                count == null ? 0 : OptionValues.positiveLong(count, "--count"),
                duration == null ? Optional.empty() : Optional.of(seconds(duration)),
                List.copyOf(command), Optional.ofNullable(btfPath), verbosity);
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

    /** --output-file: a file that can be written, found out before anything is loaded. */
    private Optional<java.nio.file.Path> outputFile() {
        if (outputFile == null) {
            return Optional.empty();
        }
        OutputFiles.refuseSpecial(outputFile);
        java.nio.file.Path folder = outputFile.toAbsolutePath().getParent();
        if (java.nio.file.Files.isDirectory(outputFile) || folder == null || !java.nio.file.Files.isDirectory(folder)
                || !java.nio.file.Files.isWritable(folder)) {
            throw NettraceException.badInput("--output-file: cannot write " + outputFile);
        }
        return Optional.of(outputFile);
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

    private boolean json() {
        if (output == null || output.equals("text")) {
            return false;
        }
        if (!output.equals("json")) {
            throw NettraceException.badInput("--output: '" + output + "' is not a format (text or json)");
        }
        return true;
    }

    private Mode mode() {
        boolean diagnosis = diag || diagQuiet || diagKeep;
        boolean packetFilterGiven = filterOptions.lengthOrFlagsGiven();
        boolean tracerChoiceGiven = !trace.isEmpty() || !traceExclude.isEmpty() || traceFunctions != null;
        return new ModeRules()
                .mode(basic, "--basic", Mode.BASIC)
                .mode(diagnosis, "--diag", Mode.DIAG)
                .mode(drop || dropStack, "--drop", Mode.DROP)
                .mode(sock, "--sock", Mode.SOCK)
                .mode(rtt || rttDetail, "--rtt", Mode.RTT)
                .mode(latency || latencySummary, "--latency", Mode.LATENCY)
                .mode(funcStats, "--func-stats", Mode.FUNC_STATS)
                .option(hooks, "--hooks", Mode.DIAG)
                .option("json".equals(output), "--output json", Mode.LIFECYCLE, Mode.BASIC, Mode.DIAG, Mode.DROP,
                        Mode.SOCK)
                .option(tinyShow, "--tiny-show", Mode.LIFECYCLE, Mode.DIAG)
                .option(latencyShow, "--latency-show", Mode.LIFECYCLE, Mode.DIAG)
                .option(latencyFree || minLatency != null, latencyFree ? "--latency-free" : "--min-latency",
                        Mode.LATENCY, Mode.LIFECYCLE, Mode.DIAG)
                .option(!traceMatcher.isEmpty() || !traceFree.isEmpty() || traceNoClone,
                        "--trace-matcher/--trace-free/--trace-noclone", Mode.LIFECYCLE, Mode.DIAG, Mode.LATENCY)
                .option(rateLimit != null, "--rate-limit", Mode.BASIC, Mode.DROP)
                .option(filterSrtt != null || filterMinRtt != null, "--filter-srtt/--filter-minrtt", Mode.RTT)
                .option(packetFilterGiven, "--pkt-len/--tcp-flags", Mode.LIFECYCLE, Mode.BASIC, Mode.DIAG,
                        Mode.DROP, Mode.LATENCY, Mode.FUNC_STATS)
                .option(tracerChoiceGiven, "-t/--trace-exclude/--trace-func", Mode.LIFECYCLE, Mode.BASIC,
                        Mode.DIAG, Mode.SOCK, Mode.LATENCY, Mode.FUNC_STATS)
                .option(!traceStack.isEmpty(), "--trace-stack", Mode.LIFECYCLE, Mode.BASIC, Mode.DIAG)
                .option(returnValues, "--ret", Mode.LIFECYCLE, Mode.BASIC, Mode.DIAG, Mode.LATENCY)
                .option(count != null && !rttDetail, "-c", Mode.LIFECYCLE, Mode.BASIC, Mode.DIAG, Mode.DROP,
                        Mode.SOCK, Mode.LATENCY)
                .option(count != null && rttDetail, "-c", Mode.RTT)
                .choose();
    }

    private Config.ModeOptions modeOptions() {
        return new Config.ModeOptions(dropStack, rttDetail,
                filterSrtt == null ? 0 : OptionValues.milliseconds(filterSrtt, "--filter-srtt"),
                filterMinRtt == null ? 0 : OptionValues.milliseconds(filterMinRtt, "--filter-minrtt"),
                latencySummary, latencyShow, latencyFree,
                minLatency == null ? 0 : OptionValues.positiveLong(minLatency, "--min-latency"),
                rateLimit == null ? 0 : OptionValues.positiveLong(rateLimit, "--rate-limit"));
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
