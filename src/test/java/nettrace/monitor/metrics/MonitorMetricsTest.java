package nettrace.monitor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.monitor.capture.Diagnosis;
import nettrace.monitor.capture.DiagnosisBoard;
import nettrace.monitor.capture.DropClass;
import nettrace.monitor.labels.DropLabels;
import nettrace.monitor.labels.NamespaceNames;
import nettrace.monitor.probe.CounterSource;
import nettrace.monitor.probe.DropCount;
import nettrace.monitor.probe.Flow;
import nettrace.monitor.probe.KernelCounters;
import nettrace.monitor.probe.MonitorPlan;
import nettrace.monitor.probe.TcpCount;
import nettrace.tracer.Mechanism;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics as the client's own writers print it, from made-up kernel counters. */
class MonitorMetricsTest {
    private static final KernelSymbols SYMBOLS = KernelSymbols.parse("""
            ffffffff81a00000 T __udp4_lib_rcv
            ffffffff81b00000 T nf_hook_slow
            ffffffff81c00000 t ip_rcv_finish_core.constprop.0
            ffffffff81d00000 T tcp_v4_rcv
            """);
    private static final DropReasons REASONS = new DropReasons(Map.of(2L, "SKB_DROP_REASON_NOT_SPECIFIED", 3L,
            "SKB_DROP_REASON_NO_SOCKET", 6L, "SKB_DROP_REASON_NETFILTER_DROP", 9L, "SKB_DROP_REASON_IP_RPFILTER"),
            Map.of());
    private static final long WEB = 4026532100L;
    private static final Flow SAMPLE = new Flow(Optional.empty(), Optional.empty(), 0, 0, Flow.IPV4, 17, WEB);

    @TempDir
    Path root;

    private final AtomicReference<KernelCounters> counters = new AtomicReference<>();
    private final DiagnosisBoard board = new DiagnosisBoard(5);
    private MonitorMetrics metrics;

    @BeforeEach
    void namesAndMetrics() throws Exception {
        Files.createDirectories(root.resolve("run/netns"));
        Files.createDirectories(root.resolve("proc/1/ns"));
        Files.createSymbolicLink(root.resolve("proc/1/ns/net"), Path.of("net:[4026531840]"));
        Files.createDirectories(root.resolve("proc/77/ns"));
        Files.createSymbolicLink(root.resolve("proc/77/ns/net"), Path.of("net:[" + WEB + "]"));
        Files.writeString(root.resolve("proc/77/cgroup"), "0::/system.slice/docker-"
                + "ab".repeat(32) + ".scope\n");
        NamespaceNames namespaces = new NamespaceNames(root, System::currentTimeMillis);
        metrics = new MonitorMetrics(CounterSource.readOnly(counters::get), new MonitorMetrics.Setup("1.2.3",
                List.of(new MonitorPlan.Attachment("skb:kfree_skb", "monitor_kfree_skb", Mechanism.TRACEPOINT,
                        "kfree_skb")), List.of(new MonitorPlan.Unavailable("nft_do_chain", "no fentry")),
                Map.of(1L, "SK_RST_REASON_NO_SOCKET"), 3),
                new DropLabels(REASONS, SYMBOLS, () -> SYMBOLS, namespaces), namespaces, board);
    }

    private static DropCount drop(long location, long reason, long netns, String device, long packets) {
        return new DropCount(new DropCount.Key(location, reason, netns, device, Flow.IPV4, 17,
                DropCount.NetfilterVerdict.NONE), packets, packets * 100, 1, SAMPLE);
    }

    private static KernelCounters counters(List<DropCount> drops, long unkeyed, List<TcpCount> tcp) {
        return new KernelCounters(drops, unkeyed, unkeyed * 100, tcp, List.of(), 0, new long[] {7, 0, 2, 0},
                new long[] {7000, 0, 400, 0});
    }

    private String text() {
        return PrometheusTextFormatWriter.create().toDebugString(metrics.collect());
    }

    @Test
    void dropsAreLabelledWithNamesAndSummedOverCallSitesOfOneFunction() {
        counters.set(counters(List.of(drop(0xffffffff81a00010L, 3, WEB, "eth0", 4),
                drop(0xffffffff81a00200L, 3, WEB, "eth0", 6),
                drop(0xffffffff81c00020L, 9, 4026531840L, "eth1", 2),
                drop(0xffffffff81d00020L, 2, 0, "", 1)), 0, List.of()));
        assertThat(text()).contains("nettrace_skb_drops_total{interface=\"eth0\",location="
                        + "\"__udp4_lib_rcv\",netns=\"abababababab\",protocol=\"udp\",reason=\"NO_SOCKET\"} 10.0")
                .contains("nettrace_skb_drop_bytes_total{interface=\"eth0\",location="
                        + "\"__udp4_lib_rcv\",netns=\"abababababab\",protocol=\"udp\",reason=\"NO_SOCKET\"} 1000.0")
                .contains("location=\"ip_rcv_finish_core\",netns=\"host\"")
                .contains("location=\"tcp_v4_rcv\",netns=\"unknown\"")
                .doesNotContain("reason=\"other\"");
    }

    @Test
    void eachScrapeShowsTheCountersAsReadThen() {
        counters.set(counters(List.of(drop(0xffffffff81a00010L, 3, WEB, "eth0", 4),
                drop(0xffffffff81c00020L, 9, WEB, "eth1", 2)), 0, List.of()));
        assertThat(text()).contains("interface=\"eth0\"", "} 4.0", "} 2.0");
        counters.set(counters(List.of(drop(0xffffffff81a00010L, 3, WEB, "eth0", 7),
                drop(0xffffffff81c00020L, 9, WEB, "eth1", 2)), 0, List.of()));
        String text = text();
        assertThat(text.lines().filter(line -> line.startsWith("nettrace_skb_drops_total{")))
                .anyMatch(line -> line.contains("eth0") && line.endsWith("} 7.0"))
                .anyMatch(line -> line.contains("eth1") && line.endsWith("} 2.0"));
        assertThat(text.lines().filter(line -> line.startsWith("nettrace_skb_drop_bytes_total{")))
                .anyMatch(line -> line.contains("eth0") && line.endsWith("} 700.0"))
                .anyMatch(line -> line.contains("eth1") && line.endsWith("} 200.0"));
    }

    @Test
    void aSeriesThatDidNotMoveKeepsItsDataPoint() {
        counters.set(counters(List.of(drop(0xffffffff81a00010L, 3, WEB, "eth0", 4),
                drop(0xffffffff81c00020L, 9, WEB, "eth1", 2)), 0, List.of()));
        List<CounterSnapshot.CounterDataPointSnapshot> first = dropPoints();
        counters.set(counters(List.of(drop(0xffffffff81a00010L, 3, WEB, "eth0", 4),
                drop(0xffffffff81c00020L, 9, WEB, "eth1", 5)), 0, List.of()));
        List<CounterSnapshot.CounterDataPointSnapshot> second = dropPoints();
        assertThat(second.get(0)).isSameAs(first.get(0));
        assertThat(second.get(1)).isNotSameAs(first.get(1));
        assertThat(second.get(1).getValue()).isEqualTo(5.0);
    }

    private List<CounterSnapshot.CounterDataPointSnapshot> dropPoints() {
        return metrics.collect().stream().filter(metric -> metric.getMetadata().getName().equals("nettrace_skb_drops"))
                .map(metric -> ((CounterSnapshot) metric).getDataPoints()).findFirst().orElseThrow();
    }

    @Test
    void labelSetsBeyondTheLimitFoldIntoOtherForGoodAndAreCounted() {
        List<DropCount> drops = new ArrayList<>();
        for (int device = 0; device < 5; device++) {
            drops.add(drop(0xffffffff81a00010L, 3, WEB, "eth" + device, 1));
        }
        counters.set(counters(drops, 2, List.of()));
        String text = text();
        assertThat(text.lines().filter(line -> line.startsWith("nettrace_skb_drops_total{"))).hasSize(4);
        assertThat(text).contains("nettrace_skb_drops_total{interface=\"other\",location="
                        + "\"other\",netns=\"other\",protocol=\"other\",reason=\"other\"} 4.0")
                .contains("nettrace_label_sets_folded_total{metric=\"nettrace_skb_drops_total\"} 2.0");
        counters.set(counters(drops.reversed(), 2, List.of()));
        assertThat(text()).as("the first three admitted stay admitted, whatever the order")
                .contains("interface=\"eth0\"", "interface=\"eth2\"").doesNotContain("interface=\"eth4\"");
    }

    @Test
    void tcpTroubleAndHealth() {
        counters.set(counters(List.of(), 0, List.of(new TcpCount(WEB, TcpCount.Event.RESET_SENT, 1, 3),
                new TcpCount(WEB, TcpCount.Event.RESET_RECEIVED, 0, 2),
                new TcpCount(4026531840L, TcpCount.Event.RETRANSMIT, 0, 9),
                new TcpCount(WEB, TcpCount.Event.CONNECT_FAILED, 0, 1))));
        assertThat(text()).contains(
                "nettrace_tcp_resets_total{direction=\"sent\",netns=\"abababababab\",reason=\"NO_SOCKET\"} 3.0",
                "nettrace_tcp_resets_total{direction=\"received\",netns=\"abababababab\"} 2.0",
                "nettrace_tcp_retransmits_total{netns=\"host\"} 9.0",
                "nettrace_tcp_connect_failures_total{netns=\"abababababab\"} 1.0",
                "nettrace_bpf_runs_total{program=\"drop\"} 7.0",
                "nettrace_bpf_run_seconds_total{program=\"drop\"} 7.0E-6",
                "nettrace_build_info{version=\"1.2.3\"} 1",
                "nettrace_probe_attached{mechanism=\"tracepoint\",probe=\"skb:kfree_skb\"} 1.0",
                "nettrace_probe_attached{mechanism=\"none\",probe=\"nft_do_chain\"} 0.0",
                "nettrace_scrape_duration_seconds ");
    }

    @Test
    void aDiagnosedClassCarriesItsIdAsAnExemplarInOpenMetrics() {
        counters.set(counters(List.of(drop(0xffffffff81a00010L, 3, WEB, "eth0", 4)), 0, List.of()));
        metrics.collect(); // the labels are known once scraped
        board.publish(new Diagnosis("5f00-1", 1_700_000_000_000L, new DropClass("NO_SOCKET", "__udp4_lib_rcv",
                "abababababab"), "new drop class", List.of(), List.of("{\"type\":\"diagnosis\"}"), ""));
        String open = OpenMetricsTextFormatWriter.create().toDebugString(metrics.collect());
        assertThat(open).contains("reason=\"NO_SOCKET\"} 4.0 # {diagnosis_id=\"5f00-1\"} 1.0 1700000000.000")
                .contains("nettrace_diagnoses_total 1.0");
    }
}
