package nettrace.trace;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import nettrace.NettraceException;
import nettrace.Version;
import nettrace.config.Config;
import nettrace.config.View;
import nettrace.event.EventDecoder;
import nettrace.event.EventSink;
import nettrace.event.TimeText;
import nettrace.kernel.Btf;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.kernel.NetworkNamespaces;
import nettrace.libbpf.LibbpfLog;
import nettrace.libbpf.NativeProcess;
import nettrace.output.Console;
import nettrace.probe.ProbeSet;
import nettrace.record.RecordHeader;
import nettrace.record.Recorder;
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
    /** Mode.tracerMode() of the modes that use the kfree_skb tracers alone. */
    private static final String DROP_TRACERS = "drop";

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
        if (config.tracers().listTree()) {
            return listTree(TracerTree.load(), config, console);
        }
        try (Destination destination = Destination.open(config, console)) {
            return trace(config, destination, stop);
        }
    }

    /** prepare (plan) -> attach -> loop. */
    private static int trace(Config config, Destination destination, RunControl stop) {
        Console console = destination.console();
        PhaseTimer timer = new PhaseTimer();
        Prepared prepared = prepare(config, console, timer);
        // The kernel's BTF is read twice, by prepare and by libbpf while it loads: this copy is
        // collected (and the heap shrunk) before libbpf makes its own. Both at once, with the
        // warm-up's compilations, were the peak of a run's resident memory.
        System.gc();
        timer.mark("collect the BTF");
        Consumer<String> verbose = config.verbosity().verbose() ? console::message : line -> { };
        ConsumerWarmUp warmUp = warmUp(config, prepared);
        try (ProbeSet probes = ProbeSet.attach(config, prepared.plan(), prepared.kprobe(), prepared.bpfObject(),
                verbose)) {
            timer.mark("load and attach");
            if (warmUp != null) {
                warmUp.end();
                timer.mark("consumer warm-up (" + warmUp.progress() + ")");
            }
            if (!destination.toFile()) {
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
            return loop(config, prepared, probes, destination, stop);
        }
    }

    private static int loop(Config config, Prepared prepared, ProbeSet probes, Destination destination,
            RunControl stop) {
        EventSink sink = Views.of(setting(config, prepared, destination.console(), destination.pcapng(), stop,
                counters(prepared.plan(), probes)));
        Recorder recorder = destination.recording().map(file -> new Recorder(file, header(config, prepared), sink))
                .orElse(null);
        EventDecoder decoder = new EventDecoder(context(prepared, probes.int32Returns(), probes::stack,
                new NetworkNamespaces()));
        return new TraceLoop(config, probes, recorder != null ? recorder : sink, decoder, destination.console(), stop)
                .recordingTo(recorder).run();
    }

    private static Views.Setting setting(Config config, Prepared prepared, Console console, OutputStream pcapng,
            RunControl stop, Views.PeriodicCounters counters) {
        return new Views.Setting(config, console, pcapng, stop, new TimeText(config.output().date(),
                prepared.bootEpochNanos()), netfilterDetailMissing(prepared.plan()), prepared.kernelRelease(),
                Version.application(), counters);
    }

    private static Views.PeriodicCounters counters(AttachPlan plan, ProbeSet probes) {
        return new Views.PeriodicCounters() {
            @Override
            public long[] rttHistogram() {
                return probes.rttHistogram();
            }

            @Override
            public long[] hitsPerTracer() {
                return probes.hitsPerTracer(plan.planned().size());
            }

            @Override
            public String tracerName(int id) {
                return plan.byId(id).tracer().name();
            }
        };
    }

    private static DecodeContext context(Prepared prepared, boolean[] int32Returns, IntFunction<long[]> stacks,
            NetworkNamespaces namespaces) {
        return new DecodeContext(prepared.plan(), int32Returns, prepared.dropReasons(), prepared.symbols(), stacks,
                namespaces);
    }

    /** What a record says of the run that made it, before its events. */
    private static RecordHeader header(Config config, Prepared prepared) {
        AttachPlan plan = prepared.plan();
        return new RecordHeader(RecordHeader.FORMAT, Version.application(), prepared.kernelRelease(),
                prepared.bootEpochNanos(), config.mode().option(), "filter " + config.filter() + ", "
                        + config.tracers() + ", " + config.output(),
                plan.planned().stream().map(p -> p.tracer().name() + " (" + p.tracer().group() + "): "
                        + p.mechanism().label() + " " + p.target()).toList(),
                plan.unavailable().stream().map(u -> u.tracer().name() + ": " + u.reason()).toList(),
                netfilterDetailMissing(plan));
    }

    /**
     * What tracing needs from the start-up: the plan and the few names taken from the kernel's BTF.
     * The BTF itself (tens of megabytes of objects) is not kept: it stays in prepare's frame.
     */
    private record Prepared(AttachPlan plan, boolean kprobe, String bpfObject, KernelSymbols symbols,
            DropReasons dropReasons, String kernelRelease, long bootEpochNanos) {
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
        return new Prepared(plan, features.kprobe(), ProbeSet.objectFor(btf, config.btfPath().isEmpty()), symbols,
                DropReasons.fromBtf(btf), kernelRelease(), TimeText.bootEpochNanos());
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
        if (config.mode().tracerMode().equals(DROP_TRACERS)) {
            return tree.all().stream().filter(tracer -> tracer.servesMode(DROP_TRACERS)).toList();
        }
        List<String> names = tracers.trace().isEmpty() && tracers.functions().isPresent()
                ? List.of(LIFE_GROUP) : tracers.trace();
        return tree.select(names, tracers.exclude(), config.mode().tracerMode());
    }

    /**
     * Starts warming the consumer up (see ConsumerWarmUp) with this run's kind of view, writing
     * to nowhere; null for the modes whose views print no events as they come.
     */
    private static ConsumerWarmUp warmUp(Config config, Prepared prepared) {
        View view = config.mode().view();
        if (view == View.RTT_REPORT || view == View.FUNCTION_STATS) {
            return null;
        }
        Console nowhere = new Console(OutputStream.nullOutputStream(), new PrintStream(OutputStream.nullOutputStream()));
        return ConsumerWarmUp.start(prepared.plan(), config.output().detail(),
                () -> context(prepared, AttachPlan.int32Returns(prepared.plan().planned()), id -> new long[0],
                        NetworkNamespaces.madeUp()),
                () -> Views.of(setting(config, prepared, nowhere, OutputStream.nullOutputStream(), new RunControl(),
                        null)),
                failure -> {
                    if (config.verbosity().debug()) {
                        nowhere.message("nettrace: consumer warm-up failed: " + failure);
                    }
                });
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

    private static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (java.io.IOException e) {
            return System.getProperty("os.version");
        }
    }

    private static void installLibbpfLog(Config config, Console console) {
        LibbpfLog.install(config.verbosity().debug() ? LibbpfLog.Level.DEBUG : LibbpfLog.Level.WARN,
                (level, line) -> {
                    if (config.verbosity().debug() || config.verbosity().verbose()) {
                        console.message(line);
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
