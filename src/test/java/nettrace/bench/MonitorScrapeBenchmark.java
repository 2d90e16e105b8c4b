package nettrace.bench;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.monitor.capture.DiagnosisBoard;
import nettrace.monitor.labels.DropLabels;
import nettrace.monitor.labels.NamespaceNames;
import nettrace.monitor.metrics.MonitorMetrics;
import nettrace.monitor.probe.CounterSource;
import nettrace.monitor.probe.DropCount;
import nettrace.monitor.probe.Flow;
import nettrace.monitor.probe.KernelCounters;

/**
 * The Java side of a scrape alone: 10,000 drop counters (as read from the kernel map) labelled,
 * folded and written in the Prometheus text format, with the real classes and no kernel.
 *   java -cp target/nettrace.jar:target/test-classes nettrace.bench.MonitorScrapeBenchmark [SERIES] [SCRAPES]
 * Prints "scrape_seconds_median N" and "scrape_seconds_first N" (the first labels every series),
 * and "collect_seconds_median N": the part before the client's text writer.
 */
public final class MonitorScrapeBenchmark {
    private MonitorScrapeBenchmark() {
    }

    public static void main(String[] arguments) throws Exception {
        int series = arguments.length > 0 ? Integer.parseInt(arguments[0]) : 10_000;
        int scrapes = arguments.length > 1 ? Integer.parseInt(arguments[1]) : 30;
        StringBuilder kallsyms = new StringBuilder();
        for (int i = 0; i < series; i++) {
            kallsyms.append(String.format("%016x T function_%d%n", 0xffffffff81000000L + 0x1000L * i, i));
        }
        KernelSymbols symbols = KernelSymbols.parse(kallsyms.toString());
        List<DropCount> drops = new ArrayList<>();
        Flow sample = new Flow(Optional.empty(), Optional.empty(), 1, 2, Flow.IPV4, 17, 1);
        for (int i = 0; i < series; i++) {
            drops.add(new DropCount(new DropCount.Key(0xffffffff81000010L + 0x1000L * i, 3, 4026532001L, "eth0",
                    Flow.IPV4, 17, DropCount.NetfilterVerdict.NONE), i, 100L * i, i, sample));
        }
        KernelCounters counters = new KernelCounters(drops, 0, 0, List.of(), List.of(), 0, new long[4], new long[4]);
        Path root = Files.createTempDirectory("scrape-bench");
        NamespaceNames names = new NamespaceNames(root, System::currentTimeMillis);
        MonitorMetrics metrics = new MonitorMetrics(CounterSource.readOnly(() -> counters),
                new MonitorMetrics.Setup("bench", List.of(),
                List.of(), Map.of(), series * 2), new DropLabels(new DropReasons(Map.of(3L,
                "SKB_DROP_REASON_NO_SOCKET"), Map.of()), symbols, () -> symbols, names), names, new DiagnosisBoard(1));
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        double[] seconds = new double[scrapes];
        double[] collecting = new double[scrapes];
        for (int i = 0; i < scrapes; i++) {
            long started = System.nanoTime();
            MetricSnapshots snapshots = metrics.collect();
            long collected = System.nanoTime();
            writer.write(OutputStream.nullOutputStream(), snapshots);
            seconds[i] = (System.nanoTime() - started) / 1e9;
            collecting[i] = (collected - started) / 1e9;
        }
        double first = seconds[0];
        java.util.Arrays.sort(seconds);
        java.util.Arrays.sort(collecting);
        System.out.printf("scrape_seconds_first %.4f%nscrape_seconds_median %.4f%ncollect_seconds_median %.4f%n", first,
                seconds[scrapes / 2], collecting[scrapes / 2]);
    }
}
