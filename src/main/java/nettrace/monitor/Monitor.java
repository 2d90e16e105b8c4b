package nettrace.monitor;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import nettrace.NettraceException;
import nettrace.kernel.Btf;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.libbpf.NativeProcess;
import nettrace.monitor.capture.AnomalyCapture;
import nettrace.monitor.capture.AnomalyWatcher;
import nettrace.monitor.capture.CaptureRunner;
import nettrace.monitor.capture.DiagnosisBoard;
import nettrace.monitor.http.MonitorServer;
import nettrace.monitor.labels.DropLabels;
import nettrace.monitor.labels.NamespaceNames;
import nettrace.monitor.metrics.MonitorMetrics;
import nettrace.monitor.probe.FilterPatterns;
import nettrace.monitor.probe.MonitorLayout;
import nettrace.monitor.probe.MonitorPlan;
import nettrace.monitor.probe.MonitorProbes;
import nettrace.output.Console;
import nettrace.trace.Nettrace;
import nettrace.trace.Privileges;
import nettrace.trace.RunControl;

/**
 * `nettrace monitor`: counts drops and TCP trouble in the kernel and serves them to Prometheus
 * until stopped. Bad input (the log, the listening address) is found before anything is attached.
 */
public final class Monitor {
    private static final int DIAGNOSES_WITHOUT_CAPTURE = 1;

    private Monitor() {
    }

    /** Runs until stop fires; returns the exit code. */
    public static int run(MonitorConfig config, Console console, RunControl stop) {
        List<MonitorLayout.Pattern> patterns = FilterPatterns.of(config.filter());
        try (MonitorLog log = openLog(config);
                Resources running = new Resources()) {
            DiagnosisBoard board = new DiagnosisBoard(config.capture().map(MonitorConfig.CaptureSettings::kept)
                    .orElse(DIAGNOSES_WITHOUT_CAPTURE));
            PrometheusRegistry registry = new PrometheusRegistry();
            MonitorServer server = running.add(MonitorServer.start(config.listen(), registry, board));
            Privileges.check();
            Btf btf = readKernelBtf();
            KernelSymbols symbols = KernelSymbols.read();
            KernelFeatures features = KernelFeatures.probe(btf, symbols);
            MonitorPlan plan = MonitorPlan.of(new KernelBtf(btf, true), symbols, features, config.tcpRtt());
            MonitorLayout.FragListFrees fragListFrees = MonitorLayout.FragListFrees.of(symbols,
                    reasonValue(btf, "SKB_DROP_REASON_NOT_SPECIFIED"));
            MonitorProbes.Settings probeSettings = new MonitorProbes.Settings(patterns, reasonValue(btf, "SKB_CONSUMED"),
                    reasonValue(btf, "SKB_DROP_REASON_NETFILTER_DROP"), fragListFrees, config.dropKeys());
            DropReasons reasons = DropReasons.fromBtf(btf);
            Map<Long, String> resetReasons = btf.enumValues("sk_rst_reason");
            btf = null;
            // The kernel's BTF is read twice, here and by libbpf while it loads: this copy is
            // collected (and the heap shrunk) before libbpf makes its own, and libbpf's is given
            // back to the kernel after loading. Both at once were the monitor's peak RSS.
            System.gc();
            Consumer<String> verbose = config.verbose() ? console::message : line -> { };
            MonitorProbes probes = running.add(MonitorProbes.attach(plan, probeSettings, features, verbose));
            System.gc();
            NativeProcess.releaseFreedNativeMemory();
            NamespaceNames namespaces = NamespaceNames.system();
            DropLabels dropLabels = new DropLabels(reasons, symbols, KernelSymbols::read, namespaces);
            registry.register(new MonitorMetrics(probes, new MonitorMetrics.Setup(config.version(),
                    probes.attached(), probes.unavailable(), resetReasons, config.maxSeries()), dropLabels, namespaces,
                    board));
            config.capture().ifPresent(settings -> running.add(new AnomalyCapture(probes::read, dropLabels,
                    new AnomalyWatcher(settings.threshold(), settings.interval()),
                    new CaptureRunner(config.commandLine(), settings.lives(), settings.duration()),
                    new CaptureLog(log, board)).start()));
            MonitorEvents.started(log, config, server.port(), probes);
            console.message("nettrace monitor: serving http://" + config.listen().getAddress().getHostAddress() + ":"
                    + server.port() + "/metrics" + MonitorEvents.missingSummary(probes));
            awaitStop(stop);
            log.info("stopped", json -> json.writeStringField("reason", stop.reason()));
            return 0;
        }
    }

    private static void awaitStop(RunControl stop) {
        try {
            // the HTTP server's and the capture's threads work meanwhile; this one only waits
            stop.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** --log: appended to; a file that cannot be opened is bad input. */
    private static MonitorLog openLog(MonitorConfig config) {
        if (config.log().isEmpty()) {
            return new MonitorLog(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        }
        Path path = config.log().get();
        try {
            OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            return new MonitorLog(out, true);
        } catch (IOException | SecurityException e) {
            throw NettraceException.badInput("--log: cannot write " + path + ": " + e.getMessage());
        }
    }

    private static Btf readKernelBtf() {
        if (!Files.isReadable(Nettrace.KERNEL_BTF)) {
            throw new NettraceException("this kernel exposes no BTF (" + Nettrace.KERNEL_BTF
                    + " is missing): nettrace monitor needs CONFIG_DEBUG_INFO_BTF");
        }
        return Btf.read(Nettrace.KERNEL_BTF);
    }

    /**
     * A drop reason's value in this kernel (they differ between versions): SKB_CONSUMED, a free
     * that is no drop (kernels since 6.2 report them so), or NETFILTER_DROP.
     */
    private static long reasonValue(Btf btf, String name) {
        return btf.enumValues("skb_drop_reason").entrySet().stream()
                .filter(entry -> entry.getValue().equals(name)).map(Map.Entry::getKey).findFirst()
                .orElse(MonitorLayout.NO_REASON);
    }

    /** What the run opened, closed in reverse order: the capture, then the server, then the BPF side. */
    private static final class Resources implements AutoCloseable {
        private final java.util.Deque<AutoCloseable> opened = new java.util.ArrayDeque<>();

        <T extends AutoCloseable> T add(T resource) {
            opened.push(resource);
            return resource;
        }

        @Override
        public void close() {
            while (!opened.isEmpty()) {
                try {
                    opened.pop().close();
                } catch (Exception e) {
                    // close the rest regardless: every BPF link must go
                }
            }
        }
    }
}
