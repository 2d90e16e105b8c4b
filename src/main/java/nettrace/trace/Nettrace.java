package nettrace.trace;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.config.Mode;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.output.DiagnosisPrinter;
import nettrace.output.LatencyPrinter;
import nettrace.output.LatencySummary;
import nettrace.output.LatencyView;
import nettrace.output.LifePrinter;
import nettrace.output.PeriodicReport;
import nettrace.diag.Diagnosis;
import nettrace.diag.DiagnosisSink;
import nettrace.diag.DropAdvice;
import nettrace.diag.Handshakes;
import nettrace.kernel.NetworkNamespaces;
import nettrace.event.EventSink;
import nettrace.event.StackSource;
import nettrace.kernel.Btf;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.libbpf.LibbpfLog;
import nettrace.output.BasicOutput;
import nettrace.output.Console;
import nettrace.output.EventFormatter;
import nettrace.output.JsonOutput;
import nettrace.libbpf.NativeProcess;
import nettrace.probe.ProbeSet;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.AttachPlanner;
import nettrace.tracer.FunctionScan;
import nettrace.tracer.Tracer;
import nettrace.tracer.TreeListing;
import nettrace.tracer.TracerTree;

/** One tracing run, from a validated configuration to the end of the trace. */
public final class Nettrace {
    public static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");
    /**
     * A pipe on stdout holds this much (the default pipe-max-size): at 100k lives a second, the
     * default 64 KiB lasts well under a millisecond of JSON output.
     */
    private static final int STDOUT_PIPE_BYTES = 1 << 20;
    /** The tracers that end skb lives: always wanted beside --trace-func's functions. */
    private static final String LIFE_GROUP = "life";

    private Nettrace() {
    }

    public static int run(Config config, Console console) {
        RunControl control = new RunControl().onSignals();
        try {
            return run(config, console, control);
        } finally {
            control.markFinished();
        }
    }

    /** Runs until stop fires (or a count, duration or command ends it); returns the exit code. */
    public static int run(Config config, Console console, RunControl stop) {
        if (config.output().file().isPresent()) {
            java.nio.file.Path path = config.output().file().get();
            try (java.io.OutputStream file = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(path))) {
                return trace(config, console.to(file), stop);
            } catch (java.io.IOException e) {
                throw new NettraceException("--output-file: cannot write " + path + ": " + e.getMessage());
            }
        }
        return trace(config, console, stop);
    }

    private static int trace(Config config, Console console, RunControl stop) {
        if (config.tracers().listTree()) {
            return listTree(TracerTree.load(), config, console);
        }
        PhaseTimer timer = new PhaseTimer();
        Prepared prepared = prepare(config, console, timer);
        AttachPlan plan = prepared.plan();
        Consumer<String> verbose = config.verbosity().verbose() ? console::message : line -> { };
        ConsumerWarmUp warmUp = warmUp(config, prepared, console);
        try (ProbeSet probes = ProbeSet.attach(config, plan, prepared.kprobe(), verbose)) {
            timer.mark("load and attach");
            if (warmUp != null) {
                warmUp.end();
                timer.mark("consumer warm-up (" + warmUp.progress() + ")");
            }
            if (config.output().file().isEmpty()) {
                NativeProcess.enlargeStdoutPipe(STDOUT_PIPE_BYTES);
            }
            NativeProcess.releaseFreedNativeMemory();
            // Start-up's garbage (the BTF, the warm-up's lives) is collected now, while no event
            // waits, rather than by a full collection when the first burst of events arrives.
            System.gc();
            timer.mark("collect start-up garbage");
            if (config.verbosity().debug()) {
                console.message("nettrace: " + timer.summary());
            }
            reportFailures(probes, config, console);
            if (probes.attached().isEmpty()) {
                throw new NettraceException("no tracer could be attached: " + probes.failures().getFirst().reason());
            }
            return new TraceLoop(config, probes, sink(config, prepared, probes, console, stop), console,
                    stop).run();
        }
    }

    /**
     * What tracing needs from the start-up: the plan and the few names taken from the kernel's BTF.
     * The BTF itself (tens of megabytes of objects) is not kept: it stays in prepare's frame.
     */
    private record Prepared(AttachPlan plan, boolean kprobe, KernelSymbols symbols, DropReasons dropReasons) {
    }

    /** Reads the kernel's BTF and symbols and plans the attachment. */
    private static Prepared prepare(Config config, Console console, PhaseTimer timer) {
        // the kernel's BTF and symbols are read while the tree loads: they do not depend on it
        CompletableFuture<Btf> btfLoading = CompletableFuture.supplyAsync(() -> kernelBtf(config), BACKGROUND);
        CompletableFuture<KernelSymbols> symbolsLoading = CompletableFuture.supplyAsync(KernelSymbols::read,
                BACKGROUND);
        TracerTree tree = TracerTree.load();
        List<Tracer> selected = new ArrayList<>(select(tree, config));
        timer.mark("tree");
        Btf btf = join(btfLoading);
        timer.mark("btf");
        KernelSymbols symbols = join(symbolsLoading);
        timer.mark("kallsyms");
        config.tracers().functions().ifPresent(pattern -> selected.addAll(FunctionScan.matching(pattern, btf,
                symbols, selected)));
        checkNamed(selected, config.tracers().matchers(), "--trace-matcher");
        checkNamed(selected, config.tracers().free(), "--trace-free");
        checkNamed(selected, config.tracers().stacks(), "--trace-stack");
        if (selected.isEmpty()) {
            throw NettraceException.badInput("no tracer selected"
                    + (config.tracers().functions().isPresent() ? ": no function matches --trace-func" : ""));
        }
        // all input is checked first: bad input is reported as such, also without privileges
        Privileges.check();
        warnAboutAbsentContext(config, console);
        installLibbpfLog(config, console);
        KernelFeatures features = KernelFeatures.probe(btf, symbols);
        timer.mark("feature probes");
        AttachPlan plan = new AttachPlanner(new KernelBtf(btf, config.btfPath().isEmpty()), symbols, features)
                .plan(selected, config.wantsReturnValues());
        timer.mark("plan");
        report(plan, config, console);
        if (plan.planned().isEmpty()) {
            throw new NettraceException("none of the selected tracers can be attached on this kernel: "
                    + plan.unavailable().getFirst().reason());
        }
        return new Prepared(plan, features.kprobe(), symbols, DropReasons.fromBtf(btf));
    }

    /** --pid or --netns naming nothing that exists now: tracing goes on (it may appear), with a warning. */
    private static void warnAboutAbsentContext(Config config, Console console) {
        int pid = config.filter().pid();
        if (pid != 0 && !Files.exists(Path.of("/proc", Integer.toString(pid)))) {
            console.warning("--pid " + pid + ": no such process now; nothing matches unless it appears");
        }
        long netns = config.filter().netns();
        if (netns != 0 && !new NetworkNamespaces().exists(netns)) {
            console.warning("--netns " + netns + ": no network namespace with this inode now (no process"
                    + " or /run/netns entry has it); nothing matches unless it appears");
        }
    }

    private static final java.util.concurrent.Executor BACKGROUND = runnable -> Thread.ofVirtual().start(runnable);

    /** The result of a background load, its failure rethrown as it was. */
    private static <T> T join(CompletableFuture<T> loading) {
        try {
            return loading.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The tracers of this run: -t's choice in the mode's part of the tree, or the mode's own. */
    private static List<Tracer> select(TracerTree tree, Config config) {
        Config.TracerSelection tracers = config.tracers();
        if (config.mode() == Mode.DROP) {
            return tree.all().stream().filter(tracer -> tracer.analyzer() == Analyzer.DROP).toList();
        }
        List<String> names = tracers.trace().isEmpty() && tracers.functions().isPresent()
                ? List.of(LIFE_GROUP) : tracers.trace();
        return tree.select(names, tracers.exclude(), config.mode().tracerMode());
    }

    /** The consumer of this mode's events. */
    private static EventSink sink(Config config, Prepared prepared, ProbeSet probes, Console console,
            RunControl stop) {
        AttachPlan plan = prepared.plan();
        return switch (config.mode()) {
            case RTT -> PeriodicReport.rtt(console, formatter(config, prepared, probes::stack), probes::rttHistogram);
            case FUNC_STATS -> PeriodicReport.functionStats(console, formatter(config, prepared, probes::stack),
                    () -> probes.hitsPerTracer(plan.planned().size()), id -> plan.byId(id).tracer().name());
            default -> eventSink(config, prepared, probes::stack, console, stop);
        };
    }

    /** The modes that print events or lives as they come, from the records alone. */
    private static boolean printsEvents(Mode mode) {
        return mode != Mode.RTT && mode != Mode.FUNC_STATS;
    }

    private static EventSink eventSink(Config config, Prepared prepared, StackSource stacks, Console console,
            RunControl stop) {
        EventFormatter formatter = formatter(config, prepared, stacks);
        LatencyView latency = LatencyView.of(config);
        if (config.output().json()) {
            return jsonSink(config, prepared, console, stop, new JsonOutput(console, formatter));
        }
        return switch (config.mode()) {
            case LIFECYCLE -> new LifecycleTracker(new LifePrinter(console, formatter, config.output().tiny(),
                    latency), config.count());
            case LATENCY -> new LifecycleTracker(config.modes().latencySummary()
                    ? new LatencySummary(console, latency) : new LatencyPrinter(console, formatter, latency),
                    config.count());
            case DIAG -> diagnosing(config, prepared, console, stop, new DiagnosisPrinter(console, formatter,
                    latency));
            default -> new BasicOutput(console, formatter);
        };
    }

    private static EventFormatter formatter(Config config, Prepared prepared, StackSource stacks) {
        KernelSymbols symbols = prepared.symbols();
        return new EventFormatter(prepared.plan(), prepared.dropReasons(), () -> symbols, config.output().detail(),
                config.output().date(), config.wantsReturnValues(), stacks);
    }

    /**
     * Starts warming the consumer up (see ConsumerWarmUp) with this run's kind of sink, printing
     * to nowhere; null for the modes that print no events.
     */
    private static ConsumerWarmUp warmUp(Config config, Prepared prepared, Console console) {
        if (!printsEvents(config.mode())) {
            return null;
        }
        Console nowhere = new Console(OutputStream.nullOutputStream(),
                new PrintStream(OutputStream.nullOutputStream()));
        return ConsumerWarmUp.start(prepared.plan(), config.output().detail(),
                () -> eventSink(config, prepared, id -> new long[0], nowhere, new RunControl()),
                failure -> {
                    if (config.verbosity().debug()) {
                        console.message("nettrace: consumer warm-up failed: " + failure);
                    }
                });
    }

    /** --output json: the modes that print events or lives (the CLI allows it for those only). */
    private static EventSink jsonSink(Config config, Prepared prepared, Console console, RunControl stop,
            JsonOutput json) {
        return switch (config.mode()) {
            case LIFECYCLE -> new LifecycleTracker(json, config.count());
            case DIAG -> diagnosing(config, prepared, console, stop, json);
            default -> json;
        };
    }

    /** --diag: lives diagnosed and printed; TCP handshakes watched as the events come. */
    private static EventSink diagnosing(Config config, Prepared prepared, Console console, RunControl stop,
            DiagnosisSink.Printer printer) {
        AttachPlan plan = prepared.plan();
        Optional<String> netfilterMissing = netfilterDetailMissing(plan);
        netfilterMissing.ifPresent(why -> console.message("nettrace: netfilter tables, chains and hook"
                + " functions will not be shown: " + why + "; drops are diagnosed from the kernel's drop"
                + " reasons"));
        Handshakes handshakes = new Handshakes();
        Diagnosis diagnosis = new Diagnosis(plan, prepared.dropReasons(), prepared::symbols, DropAdvice.load(),
                netfilterMissing, config.diag().hooks(), new NetworkNamespaces(), handshakes);
        return handshakes.inFrontOf(new LifecycleTracker(new DiagnosisSink(diagnosis, printer, config.diag().quiet(),
                config.diag().keep(), firstError(config, console, stop)), config.count()));
    }

    /**
     * What the first error does without --diag-keep: it ends the trace, unless a command sets the
     * span; then the command goes on to its end, and the diagnosis stops showing packets.
     */
    private static Consumer<String> firstError(Config config, Console console, RunControl stop) {
        if (config.command().isEmpty()) {
            return stop::stop;
        }
        return reason -> console.message("nettrace: " + reason + "; no further packet is shown, the command goes"
                + " on until it exits (use --diag-keep to see them all)");
    }

    /** Why the netfilter analyzers cannot run in this plan, if they cannot. */
    private static Optional<String> netfilterDetailMissing(AttachPlan plan) {
        boolean planned = plan.planned().stream().anyMatch(p -> p.tracer().analyzer() == Analyzer.NF);
        if (planned) {
            return Optional.empty();
        }
        return plan.unavailable().stream().filter(u -> u.tracer().analyzer() == Analyzer.NF).findFirst()
                .map(u -> "nf_hook_slow cannot be traced on this kernel (" + u.reason() + ")")
                .or(() -> Optional.of("no netfilter tracer is selected"));
    }

    /** Names given to --trace-matcher/--trace-free must be tracers of this run. */
    private static void checkNamed(List<Tracer> selected, List<String> names, String option) {
        for (String name : names) {
            if (selected.stream().noneMatch(tracer -> tracer.name().equals(name))) {
                throw NettraceException.badInput(option + ": '" + name + "' is not a tracer of this run (see -t)");
            }
        }
    }

    /** -t ?: the tree with each tracer's state on this kernel (probed only with the privileges to). */
    private static int listTree(TracerTree tree, Config config, Console console) {
        AttachPlan plan = null;
        KernelFeatures features = null;
        String notProbed = "";
        try {
            Privileges.check();
            installLibbpfLog(config, console);
            Btf btf = kernelBtf(config);
            KernelSymbols symbols = KernelSymbols.read();
            features = KernelFeatures.probe(btf, symbols);
            plan = new AttachPlanner(new KernelBtf(btf, config.btfPath().isEmpty()), symbols, features)
                    .plan(tree.all(), false);
        } catch (NettraceException e) {
            notProbed = "not probed: " + e.getMessage();
        }
        for (String line : TreeListing.lines(tree, plan, notProbed)) {
            console.line(line);
        }
        if (features != null) {
            console.line("this kernel allows:");
            features.describe().forEach(line -> console.line("  " + line));
        }
        console.flush();
        return 0;
    }

    private static void installLibbpfLog(Config config, Console console) {
        LibbpfLog.install((level, line) -> {
            if (config.verbosity().debug() || (level == LibbpfLog.Level.WARN && config.verbosity().verbose())) {
                console.message(line.startsWith("libbpf: ") ? line : "libbpf: " + line);
            }
        });
    }

    private static Btf kernelBtf(Config config) {
        if (config.btfPath().isPresent()) {
            return Btf.read(config.btfPath().get());
        }
        if (!Files.isReadable(KERNEL_BTF)) {
            throw new NettraceException("this kernel exposes no BTF (" + KERNEL_BTF
                    + " is missing): nettrace needs CONFIG_DEBUG_INFO_BTF, or --btf-path FILE");
        }
        return Btf.read(KERNEL_BTF);
    }

    private static void report(AttachPlan plan, Config config, Console console) {
        if (config.verbosity().verbose()) {
            console.message("nettrace: plan: " + plan.summary());
            for (AttachPlan.Planned planned : plan.planned()) {
                console.message("  " + planned.tracer().name() + ": " + planned.mechanism().label() + " "
                        + planned.target() + (planned.withReturn() ? " (with return value)" : ""));
            }
            for (AttachPlan.Unavailable unavailable : plan.unavailable()) {
                console.message("  " + unavailable.tracer().name() + ": unavailable: " + unavailable.reason());
            }
        } else if (!plan.unavailable().isEmpty()) {
            console.message("nettrace: " + plan.unavailable().size() + " of "
                    + (plan.unavailable().size() + plan.planned().size())
                    + " tracers cannot be attached on this kernel (-v says which and why)");
        }
    }

    private static void reportFailures(ProbeSet probes, Config config, Console console) {
        for (ProbeSet.Failure failure : probes.failures()) {
            console.warning("cannot attach " + failure.tracer().tracer().name() + ": " + failure.reason());
            if (config.verbosity().debug() && !failure.verifierLog().isEmpty()) {
                console.message(failure.verifierLog());
            }
        }
    }
}
