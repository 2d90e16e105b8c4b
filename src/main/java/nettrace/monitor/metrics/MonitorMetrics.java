package nettrace.monitor.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import nettrace.monitor.capture.Diagnosis;
import nettrace.monitor.capture.DiagnosisBoard;
import nettrace.monitor.capture.DropClass;
import nettrace.monitor.labels.DropLabels;
import nettrace.monitor.labels.NamespaceNames;
import nettrace.monitor.probe.CounterSource;
import nettrace.monitor.probe.DropCount;
import nettrace.monitor.probe.KernelCounters;
import nettrace.monitor.probe.MonitorLayout;
import nettrace.monitor.probe.MonitorPlan;
import nettrace.monitor.probe.RttCount;
import nettrace.monitor.probe.TcpCount;

/**
 * What /metrics shows, made at each scrape from the kernel's counters read then: drops, TCP
 * trouble, the optional RTT histogram, and the monitor's own health. A drop series whose class
 * was diagnosed carries the latest diagnosis' id as an exemplar (OpenMetrics only).
 */
public final class MonitorMetrics implements MultiCollector {
    private static final double NANOS = 1e9;
    private static final double MICROS = 1e6;

    /** The monitor's fixed facts: what is attached, and the names its labels need. */
    public record Setup(String version, List<MonitorPlan.Attachment> attached,
            List<MonitorPlan.Unavailable> unavailable, Map<Long, String> resetReasons, int maxSeries) {
    }

    private record TcpKey(long netns, TcpCount.Event event, long reason) {
    }

    /** How often the namespaces the counters hold are checked for being gone. */
    private static final long RETIRE_CHECK_MILLIS = 5 * 60_000;

    private final CounterSource source;
    private final Setup setup;
    private final NamespaceNames namespaces;
    private final DiagnosisBoard diagnoses;
    private final FoldedCounters<DropCount.Key> drops;
    private final FoldedCounters<TcpKey> retransmits;
    private final FoldedCounters<TcpKey> resets;
    private final FoldedCounters<TcpKey> connectFailures;
    private final FoldedCounters<Long> rtt;
    private final NamespaceRetirement retirement = new NamespaceRetirement(RETIRE_CHECK_MILLIS,
            System.currentTimeMillis());
    private Set<Long> counted = Set.of();

    public MonitorMetrics(CounterSource source, Setup setup, DropLabels dropLabels, NamespaceNames namespaces,
            DiagnosisBoard diagnoses) {
        this.source = source;
        this.setup = setup;
        this.namespaces = namespaces;
        this.diagnoses = diagnoses;
        int max = setup.maxSeries();
        drops = new FoldedCounters<>(DropLabels.NAMES, DropLabels.OTHER, 2, max, dropLabels::of);
        retransmits = new FoldedCounters<>(List.of("netns"), List.of("other"), 1, max,
                key -> List.of(namespaces.label(key.netns())));
        resets = new FoldedCounters<>(List.of("netns", "direction", "reason"), List.of("other", "other", "other"), 1,
                max, this::resetLabels);
        connectFailures = new FoldedCounters<>(List.of("netns"), List.of("other"), 1, max,
                key -> List.of(namespaces.label(key.netns())));
        rtt = new FoldedCounters<>(List.of("netns"), List.of("other"), MonitorLayout.RTT_BUCKETS, max,
                netns -> List.of(namespaces.label(netns)));
    }

    private List<String> resetLabels(TcpKey key) {
        boolean sent = key.event() == TcpCount.Event.RESET_SENT;
        String reason = !sent ? "" : setup.resetReasons().isEmpty() ? "unknown"
                : setup.resetReasons().getOrDefault(key.reason(), "reason " + key.reason())
                        .replaceFirst("^SK_RST_REASON_", "");
        return List.of(namespaces.label(key.netns()), sent ? "sent" : "received", reason);
    }

    @Override
    public MetricSnapshots collect() {
        long started = System.nanoTime();
        List<MetricSnapshot> snapshots = new ArrayList<>();
        synchronized (this) {
            retireGoneNamespaces();
            KernelCounters counters = source.read();
            counted = namespacesOf(counters);
            snapshots.addAll(dropSnapshots(counters));
            snapshots.addAll(tcpSnapshots(counters));
            if (!counters.rtt().isEmpty()) {
                snapshots.add(rttSnapshot(counters));
            }
            snapshots.addAll(healthSnapshots(counters));
        }
        snapshots.add(GaugeSnapshot.builder().name("nettrace_scrape_duration_seconds").unit(Unit.SECONDS)
                .help("time this scrape took to read the kernel's counters and label them")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .value((System.nanoTime() - started) / NANOS).build()).build());
        return new MetricSnapshots(snapshots);
    }

    /** Lets go of the counters of namespaces gone for an interval (see NamespaceRetirement). */
    private void retireGoneNamespaces() {
        Set<Long> due = retirement.due(System.currentTimeMillis(), counted, namespaces::inUse);
        if (due.isEmpty()) {
            return;
        }
        KernelCounters gone = source.forget(due);
        gone.drops().forEach(drop -> drops.retire(drop.key(), drop.packets(), drop.bytes()));
        for (TcpCount count : gone.tcp()) {
            TcpKey key = new TcpKey(count.netns(), count.event(), count.reason());
            familyOf(count.event()).retire(key, count.count());
        }
        gone.rtt().stream().map(RttCount::netns).distinct().forEach(netns -> rtt.retire(netns,
                bucketsOf(gone.rtt().stream().filter(count -> count.netns() == netns).toList())));
    }

    private static Set<Long> namespacesOf(KernelCounters counters) {
        Set<Long> namespaces = new HashSet<>();
        counters.drops().forEach(drop -> namespaces.add(drop.key().netns()));
        counters.tcp().forEach(count -> namespaces.add(count.netns()));
        counters.rtt().forEach(count -> namespaces.add(count.netns()));
        return namespaces;
    }

    private FoldedCounters<TcpKey> familyOf(TcpCount.Event event) {
        return switch (event) {
            case RETRANSMIT -> retransmits;
            case RESET_SENT, RESET_RECEIVED -> resets;
            case CONNECT_FAILED -> connectFailures;
        };
    }

    private static long[] bucketsOf(List<RttCount> counts) {
        long[] buckets = new long[MonitorLayout.RTT_BUCKETS];
        counts.forEach(count -> buckets[Math.min(count.bucket(), buckets.length - 1)] += count.count());
        return buckets;
    }

    private List<MetricSnapshot> dropSnapshots(KernelCounters counters) {
        drops.begin();
        for (DropCount drop : counters.drops()) {
            drops.add(drop.key(), drop.packets(), drop.bytes());
        }
        drops.addOther(counters.unkeyedDrops(), counters.unkeyedDropBytes());
        CounterSnapshot.Builder packets = CounterSnapshot.builder().name("nettrace_skb_drops")
                .help("packets the kernel dropped (kfree_skb with a reason), by reason, location, namespace, "
                        + "interface, protocol and the netfilter hook, table and chain that dropped them");
        CounterSnapshot.Builder bytes = CounterSnapshot.builder().name("nettrace_skb_drop_bytes").unit(Unit.BYTES)
                .help("bytes of the packets the kernel dropped (skb->len at the drop)");
        for (FoldedCounters.Series series : drops.series()) {
            Optional<Diagnosis> diagnosed = diagnoses.isEmpty() ? Optional.empty()
                    : diagnoses.latestFor(DropClass.of(series.labelValues));
            packets.dataPoint(diagnosed.map(diagnosis -> CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(series.labels).value(series.counts[0]).exemplar(Exemplar.builder()
                            .labels(Labels.of("diagnosis_id", diagnosis.id())).value(1)
                            .timestampMillis(diagnosis.timeMillis()).build()).build())
                    .orElseGet(() -> series.point(0)));
            bytes.dataPoint(series.point(1));
        }
        return List.of(packets.build(), bytes.build());
    }

    private List<MetricSnapshot> tcpSnapshots(KernelCounters counters) {
        retransmits.begin();
        resets.begin();
        connectFailures.begin();
        for (TcpCount count : counters.tcp()) {
            familyOf(count.event()).add(new TcpKey(count.netns(), count.event(), count.reason()), count.count());
        }
        return List.of(counter("nettrace_tcp_retransmits", "TCP segments retransmitted, by namespace", retransmits),
                counter("nettrace_tcp_resets", "TCP resets sent and received, by namespace, direction and the "
                        + "kernel's reason (sent, on kernels with enum sk_rst_reason)", resets),
                counter("nettrace_tcp_connect_failures", "TCP connection attempts that ended unanswered or refused "
                        + "(SYN_SENT to CLOSE), by namespace", connectFailures));
    }

    private static CounterSnapshot counter(String name, String help, FoldedCounters<?> counters) {
        CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
        for (FoldedCounters.Series series : counters.series()) {
            builder.dataPoint(series.point(0));
        }
        return builder.build();
    }

    private HistogramSnapshot rttSnapshot(KernelCounters counters) {
        rtt.begin();
        for (RttCount count : counters.rtt()) {
            rtt.add(count.netns(), bucketsOf(List.of(count)));
        }
        double[] bounds = new double[MonitorLayout.RTT_BUCKETS];
        for (int bucket = 0; bucket < bounds.length - 1; bucket++) {
            bounds[bucket] = (1L << (bucket + 1)) / MICROS; // bucket b holds [2^b, 2^(b+1)) microseconds
        }
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name("nettrace_tcp_srtt_seconds")
                .unit(Unit.SECONDS).help("smoothed round-trip time of TCP connections, sampled at each segment "
                        + "received, by namespace (--tcp-rtt)");
        for (FoldedCounters.Series series : rtt.series()) {
            histogram.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(series.labels)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, series.counts)).build());
        }
        return histogram.build();
    }

    private List<MetricSnapshot> healthSnapshots(KernelCounters counters) {
        CounterSnapshot.Builder runs = CounterSnapshot.builder().name("nettrace_bpf_runs")
                .help("runs of the monitor's BPF programs, by program");
        CounterSnapshot.Builder runTime = CounterSnapshot.builder().name("nettrace_bpf_run_seconds")
                .unit(Unit.SECONDS).help("time the monitor's BPF programs ran in the kernel, by program");
        for (int program = 0; program < MonitorLayout.PROGRAMS.size(); program++) {
            Labels labels = Labels.of("program", MonitorLayout.PROGRAMS.get(program));
            runs.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels)
                    .value(counters.runs()[program]).build());
            runTime.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels)
                    .value(counters.runNanos()[program] / NANOS).build());
        }
        CounterSnapshot.Builder folded = CounterSnapshot.builder().name("nettrace_label_sets_folded")
                .help("label sets beyond --max-series, counted in the metric's series whose labels are \"other\"");
        addFolded(folded, "nettrace_skb_drops_total", drops);
        addFolded(folded, "nettrace_tcp_retransmits_total", retransmits);
        addFolded(folded, "nettrace_tcp_resets_total", resets);
        addFolded(folded, "nettrace_tcp_connect_failures_total", connectFailures);
        addFolded(folded, "nettrace_tcp_srtt_seconds", rtt);
        GaugeSnapshot.Builder probes = GaugeSnapshot.builder().name("nettrace_probe_attached")
                .help("1 for each probe the monitor attached (with its mechanism), 0 for each it could not "
                        + "(the log says why)");
        setup.attached().forEach(attachment -> probes.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("probe", attachment.probe(), "mechanism", attachment.mechanism().label()))
                .value(1).build()));
        setup.unavailable().forEach(missing -> probes.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("probe", missing.probe(), "mechanism", "none")).value(0).build()));
        return List.of(runs.build(), runTime.build(), folded.build(), probes.build(),
                CounterSnapshot.builder().name("nettrace_diagnoses").help("diagnoses published by capture on anomaly")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                                .value(diagnoses.published()).build()).build(),
                InfoSnapshot.builder().name("nettrace_build").help("the nettrace version serving these metrics")
                        .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                                .labels(Labels.of("version", setup.version())).build()).build());
    }

    private static void addFolded(CounterSnapshot.Builder folded, String metric, FoldedCounters<?> counters) {
        folded.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("metric", metric))
                .value(counters.folded()).build());
    }
}
