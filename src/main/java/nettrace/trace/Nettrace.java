package nettrace.trace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.event.EventSink;
import nettrace.kernel.Btf;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.libbpf.LibbpfLog;
import nettrace.output.BasicOutput;
import nettrace.output.Console;
import nettrace.output.EventFormatter;
import nettrace.probe.ProbeSet;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.AttachPlanner;
import nettrace.tracer.Tracer;
import nettrace.tracer.TracerTree;

/** One tracing run, from a validated configuration to the end of the trace. */
public final class Nettrace {
    public static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");

    private Nettrace() {
    }

    public static int run(Config config, Console console) {
        return run(config, console, new StopSignal().onSignals());
    }

    /** Runs until stop fires (or a count, duration or command ends it); returns the exit code. */
    public static int run(Config config, Console console, StopSignal stop) {
        TracerTree tree = TracerTree.load();
        List<Tracer> selected = tree.select(config.tracers().trace(), config.tracers().exclude());
        Privileges.check();
        Consumer<String> verbose = config.verbosity().verbose() ? console::message : line -> { };
        installLibbpfLog(config, console);

        Btf btf = kernelBtf(config);
        KernelSymbols symbols = KernelSymbols.read();
        KernelFeatures features = KernelFeatures.probe(btf, symbols);
        AttachPlan plan = new AttachPlanner(btf, symbols, features).plan(selected, config.output().returnValues());
        report(plan, config, console);
        if (plan.planned().isEmpty()) {
            throw new NettraceException("none of the selected tracers can be attached on this kernel: "
                    + plan.unavailable().getFirst().reason());
        }
        try (ProbeSet probes = ProbeSet.attach(config, plan, verbose)) {
            reportFailures(probes, config, console);
            if (probes.attached().isEmpty()) {
                throw new NettraceException("no tracer could be attached: " + probes.failures().getFirst().reason());
            }
            EventFormatter formatter = new EventFormatter(plan, DropReasons.fromBtf(btf), () -> symbols,
                    config.output().detail(), config.output().date(), config.output().returnValues());
            EventSink sink = new BasicOutput(console, formatter);
            return new TraceLoop(config, probes, sink, console, stop).run();
        }
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
