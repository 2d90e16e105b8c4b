package nettrace.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nettrace.testing.MonitorRun;
import nettrace.testing.PrometheusServer;
import nettrace.testing.RoutedNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capture on anomaly: a drop class never seen before is diagnosed by the monitor itself, the
 * diagnosis published at /diagnoses and linked from the drop counter by an exemplar Prometheus
 * stores; a second burst within the interval is not diagnosed again.
 */
@Tag("kernel")
class MonitorCaptureKernelTest {
    private static final String CLIENT = "10.199.153.1";
    private static final String SERVER = "10.199.154.1";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RoutedNetwork net = new RoutedNetwork("c", "10.199.153", "10.199.154");

    @TempDir
    Path folder;

    private static List<JsonNode> diagnosesOf(MonitorRun monitor, String netns) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode diagnosis : JSON.readTree(monitor.get("/diagnoses", null)).path("diagnoses")) {
            JsonNode dropClass = diagnosis.path("class");
            if (dropClass.path("reason").asText().equals("NO_SOCKET") && dropClass.path("netns").asText().equals(netns)
                    && dropClass.path("location").asText().equals("__udp4_lib_rcv")) {
                found.add(diagnosis);
            }
        }
        return found;
    }

    @Test
    void aNewDropClassIsDiagnosedOnceAndLinkedFromItsCounter() throws Exception {
        assumeTrue(Files.isExecutable(PrometheusServer.BINARY), "needs Prometheus (bin/setup installs it)");
        String server = net.server();
        try (MonitorRun monitor = MonitorRun.start(folder, "-p", "udp", "--addr", CLIENT, "--capture",
                "--capture-duration", "8", "--capture-packets", "2");
                PrometheusServer prometheus = PrometheusServer.scraping(monitor.port(), folder)) {
            // the class is new at its first drop; the capture then traces the drops that follow
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (diagnosesOf(monitor, server).isEmpty() && System.nanoTime() < deadline) {
                net.sendUdp(net.client(), SERVER, 7710, 20);
                Thread.sleep(300);
            }
            List<JsonNode> diagnoses = diagnosesOf(monitor, server);
            assertThat(diagnoses).as(String.join("\n", monitor.log())).hasSize(1);
            JsonNode diagnosis = diagnoses.getFirst();
            assertThat(diagnosis.path("error").isMissingNode()).as(diagnosis.toString()).isTrue();
            assertThat(diagnosis.path("trigger").asText()).isEqualTo("new drop class");
            assertThat(diagnosis.path("options").toString()).contains("\"-p\",\"udp\"", "\"-s\",\"" + CLIENT + "\"",
                    "\"-d\",\"" + SERVER + "\"", "\"-D\",\"7710\"");
            JsonNode life = diagnosis.path("lives").get(0);
            assertThat(life.path("verdict").asText()).as(diagnosis.toString()).isEqualTo("error");
            assertThat(life.toString()).contains("\"drop_reason\":[\"NO_SOCKET\"]",
                    "nothing listens on the destination port");

            String id = diagnosis.path("id").asText();
            String series = "nettrace_skb_drops_total{interface=\"eth0\",location="
                    + "\"__udp4_lib_rcv\",netns=\"" + server + "\",protocol=\"udp\",reason=\"NO_SOCKET\"}";
            assertThat(monitor.get("/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                    .lines()).anyMatch(line -> line.startsWith(series) && line.contains("# {diagnosis_id=\""
                            + id + "\"} 1.0 "));
            assertThat(monitor.metrics()).as("the Prometheus text format has no exemplars")
                    .doesNotContain("diagnosis_id");
            prometheus.awaitValue("nettrace_diagnoses_total", values -> !values.isEmpty() && values.getFirst() >= 1);
            long waitUntil = System.nanoTime() + 30_000_000_000L;
            String stored = "";
            while (!stored.contains(id) && System.nanoTime() < waitUntil) {
                stored = prometheus.exemplars("nettrace_skb_drops_total{netns=\"" + server + "\"}").toString();
                Thread.sleep(500);
            }
            assertThat(stored).as("Prometheus stored the exemplar").contains("\"diagnosis_id\":\"" + id + "\"");

            for (int i = 0; i < 10; i++) {
                net.sendUdp(net.client(), SERVER, 7710, 20);
                Thread.sleep(300);
            }
            Thread.sleep(3000);
            assertThat(diagnosesOf(monitor, server)).as("a second burst within --capture-interval").hasSize(1);
            assertThat(monitor.log()).anyMatch(line -> line.contains("\"event\":\"capture\"")
                    && line.contains("\"netns\":\"" + server + "\""))
                    .anyMatch(line -> line.contains("\"event\":\"diagnosis\"") && line.contains(id));
        }
    }
}
