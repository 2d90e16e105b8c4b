package nettrace.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
import nettrace.monitor.probe.MonitorPlan;
import nettrace.monitor.probe.RttCount;
import nettrace.monitor.probe.TcpCount;
import nettrace.testing.Shell;
import nettrace.tracer.Mechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * deploy/ as Prometheus, Grafana and Kubernetes would take it: the rules pass promtool and their
 * unit tests, the dashboard and the rules ask only for metrics and labels the monitor exports,
 * and the DaemonSet grants the capabilities the systemd unit does.
 */
class DeployFilesTest {
    private static final Path DEPLOY = Path.of("deploy");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final Pattern METRIC = Pattern.compile("\\bnettrace_[a-z_]+\\b");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without) \\(([^)]*)\\)");
    private static final Pattern MATCHER = Pattern.compile("([a-z_]+)\\s*(?:=~|!~|!=|=)\\s*\"");
    /** Labels Prometheus adds (the target's) or histograms have. */
    private static final Set<String> PROMETHEUS_LABELS = Set.of("instance", "job", "le", "node");

    @TempDir
    Path root;

    private static String promtool(Path folder, String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"",
                folder.toString(), PROMTOOL.toString()));
        command.addAll(List.of(arguments));
        Shell.Result result = Shell.run(command, 60);
        assertThat(result.code()).as("promtool " + String.join(" ", arguments) + ":\n" + result.out() + result.err())
                .isZero();
        return result.out();
    }

    @Test
    void theAlertingRulesPassPromtoolAndTheirUnitTests() {
        assumeTrue(Files.isExecutable(PROMTOOL), "needs promtool (bin/setup installs prometheus)");
        Path prometheus = DEPLOY.resolve("prometheus").toAbsolutePath();
        assertThat(promtool(prometheus, "check", "rules", "nettrace-alerts.yml")).contains("SUCCESS: 7 rules found");
        assertThat(promtool(prometheus, "test", "rules", "nettrace-alerts.test.yml")).contains("SUCCESS");
        assertThat(promtool(prometheus, "check", "config", "prometheus.yml")).contains("SUCCESS");
    }

    /** Every metric name and label name /metrics shows, from counters of every kind. */
    private Map<String, Set<String>> exported() throws Exception {
        Files.createDirectories(root.resolve("proc"));
        NamespaceNames names = new NamespaceNames(root, System::currentTimeMillis);
        KernelSymbols symbols = KernelSymbols.parse("ffffffff81a00000 T __udp4_lib_rcv\n");
        MonitorMetrics metrics = new MonitorMetrics(CounterSource.readOnly(() -> new KernelCounters(List.of(new DropCount(
                new DropCount.Key(0xffffffff81a00010L, 3, 1, "eth0", Flow.IPV4, 17,
                        new DropCount.NetfilterVerdict(DropCount.NetfilterVerdict.Source.NFTABLES, 2, 2, "t", "c")),
                1, 1, 1, new Flow(Optional.empty(), Optional.empty(), 0, 0, Flow.IPV4, 17, 1))), 0, 0,
                Arrays.stream(TcpCount.Event.values()).map(event -> new TcpCount(1, event, 0, 1)).toList(),
                List.of(new RttCount(1, 5, 1)), 0, new long[4], new long[4])),
                new MonitorMetrics.Setup("1", List.of(new MonitorPlan.Attachment("skb:kfree_skb", "monitor_kfree_skb",
                        Mechanism.TRACEPOINT, "kfree_skb")), List.of(), Map.of(), 10),
                new DropLabels(new DropReasons(Map.of(), Map.of()), symbols, () -> symbols, names), names,
                new DiagnosisBoard(1));
        Map<String, Set<String>> labelsByName = new java.util.HashMap<>();
        for (String line : PrometheusTextFormatWriter.create().toDebugString(metrics.collect()).lines().toList()) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int brace = line.indexOf('{');
            String name = line.substring(0, brace < 0 ? line.indexOf(' ') : brace);
            Set<String> labels = labelsByName.computeIfAbsent(name, key -> new HashSet<>());
            if (brace >= 0) {
                Matcher label = Pattern.compile("([a-z_]+)=\"").matcher(line.substring(brace, line.lastIndexOf('}')));
                while (label.find()) {
                    labels.add(label.group(1));
                }
            }
        }
        return labelsByName;
    }

    private static Set<String> metricsIn(String query) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(query);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }

    /** The label names a query groups or matches by. */
    private static Set<String> labelsIn(String query) {
        Set<String> labels = new TreeSet<>();
        Matcher grouping = GROUPING.matcher(query);
        while (grouping.find()) {
            Arrays.stream(grouping.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(labels::add);
        }
        Matcher matcher = MATCHER.matcher(query.replaceAll("\"[^\"]*\"", "\"\""));
        while (matcher.find()) {
            labels.add(matcher.group(1));
        }
        return labels;
    }

    private void assertQueriesUseExportedMetrics(List<String> queries, String where) throws Exception {
        Map<String, Set<String>> exported = exported();
        Set<String> allLabels = exported.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
        assertThat(queries).as(where + " has queries").isNotEmpty();
        for (String query : queries) {
            assertThat(exported.keySet()).as(where + ": " + query).containsAll(metricsIn(query));
            for (String label : labelsIn(query)) {
                assertThat(allLabels.contains(label) || PROMETHEUS_LABELS.contains(label))
                        .as(where + ": label " + label + " in " + query).isTrue();
            }
        }
    }

    @Test
    void theDashboardQueriesOnlyMetricsAndLabelsTheMonitorExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/nettrace-dashboard.json").toFile());
        List<String> queries = dashboard.findValues("expr").stream().map(JsonNode::asText).toList();
        List<String> variables = dashboard.path("templating").path("list").findValues("definition").stream()
                .map(JsonNode::asText).toList();
        assertThat(queries).anyMatch(query -> query.contains("nettrace_skb_drops_total")
                && query.contains("by (reason)")).anyMatch(query -> query.contains("by (netns)"));
        assertQueriesUseExportedMetrics(queries, "dashboard");
        assertQueriesUseExportedMetrics(variables, "dashboard variables");
    }

    @Test
    void theAlertingRulesAskOnlyForExportedMetrics() throws Exception {
        Map<String, Object> rules = yaml(DEPLOY.resolve("prometheus/nettrace-alerts.yml"));
        List<String> expressions = ((List<?>) rules.get("groups")).stream()
                .flatMap(group -> ((List<?>) ((Map<?, ?>) group).get("rules")).stream())
                .map(rule -> (String) ((Map<?, ?>) rule).get("expr")).toList();
        assertQueriesUseExportedMetrics(expressions, "alerting rules");
    }

    @Test
    void theDaemonSetGrantsWhatTheSystemdUnitGrants() throws Exception {
        String unit = Files.readString(Path.of("packaging/nettrace-monitor.service"));
        Set<String> bounded = unit.lines().filter(line -> line.startsWith("CapabilityBoundingSet="))
                .flatMap(line -> Arrays.stream(line.substring(line.indexOf('=') + 1).split(" ")))
                .map(capability -> capability.replaceFirst("^CAP_", "")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> ambient = unit.lines().filter(line -> line.startsWith("AmbientCapabilities="))
                .flatMap(line -> Arrays.stream(line.substring(line.indexOf('=') + 1).split(" ")))
                .map(capability -> capability.replaceFirst("^CAP_", "")).collect(Collectors.toCollection(TreeSet::new));
        String manifest = Files.readString(DEPLOY.resolve("kubernetes/nettrace-monitor.yaml"));
        Map<?, ?> daemonSet = java.util.stream.StreamSupport.stream(new Load(LoadSettings.builder().build())
                .loadAllFromString(manifest).spliterator(), false).map(document -> (Map<?, ?>) document)
                .filter(document -> "DaemonSet".equals(document.get("kind"))).findFirst().orElseThrow();
        Map<?, ?> container = (Map<?, ?>) ((List<?>) path(daemonSet, "spec", "template", "spec").get("containers"))
                .getFirst();
        Map<?, ?> capabilities = path(container, "securityContext", "capabilities");
        assertThat(new TreeSet<Object>((List<?>) capabilities.get("add"))).isEqualTo(bounded).isEqualTo(ambient);
        assertThat(capabilities.get("drop")).isEqualTo(List.of("ALL"));
        assertThat(container.get("command")).isEqualTo(List.of("/usr/bin/nettrace", "monitor"));
        assertThat(unit).contains("Restart=on-failure", "ExecStart=/usr/bin/nettrace monitor ");
    }

    private static Map<?, ?> path(Map<?, ?> node, String... keys) {
        Map<?, ?> at = node;
        for (String key : keys) {
            at = (Map<?, ?>) at.get(key);
        }
        return at;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws Exception {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }
}
