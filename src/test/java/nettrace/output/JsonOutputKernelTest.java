package nettrace.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nettrace.testing.TracedRun;
import nettrace.testing.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** --output json through real namespaces: every stdout line is a JSON object of the documented schema. */
@Tag("kernel")
class JsonOutputKernelTest {
    private static final String A = "10.199.70.1";
    private static final String B = "10.199.70.2";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final VethPair net = new VethPair("j", "veth-a", List.of(A + "/24"), "veth-b", List.of(B + "/24"));

    private static List<JsonNode> records(String stdout) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        for (String line : stdout.lines().toList()) {
            records.add(JSON.readTree(line));
        }
        return records;
    }

    private static TracedRun.Output traced(String... options) {
        try (TracedRun run = TracedRun.start(options)) {
            net.exec(net.a(), "ping", "-c", "1", "-W", "2", B);
            return run.stop();
        }
    }

    @Test
    void basicModePrintsAnEventObjectPerHitAndASummary() throws Exception {
        TracedRun.Output output = traced("--basic", "--output", "json", "-p", "icmp", "-s", A);
        List<JsonNode> records = records(output.stdout());
        assertThat(output.stderr()).contains("begin trace...");
        JsonNode summary = records.getLast();
        assertThat(summary.get("type").asText()).isEqualTo("summary");
        assertThat(summary.get("lost").asLong()).isZero();
        List<JsonNode> events = records.subList(0, records.size() - 1);
        assertThat(summary.get("events").asLong()).isEqualTo(events.size());
        assertThat(events).isNotEmpty().allSatisfy(event -> {
            assertThat(event.get("type").asText()).isEqualTo("event");
            assertThat(event.get("packet").get("saddr").asText()).isEqualTo(A);
            assertThat(event.get("packet").get("daddr").asText()).isEqualTo(B);
            assertThat(event.get("packet").get("l4").asText()).isEqualTo("icmp");
            assertThat(event.get("packet").get("icmp_type").asInt()).isEqualTo(8);
            assertThat(event.get("time_ns").asLong()).isPositive();
            assertThat(event.get("skb").asText()).matches("[0-9a-f]+");
        });
        assertThat(events).extracting(event -> event.get("tracer").asText())
                .contains("net_dev_queue", "netif_receive_skb");
        assertThat(events).filteredOn(event -> event.get("tracer").asText().equals("net_dev_xmit"))
                .allSatisfy(event -> assertThat(event.get("return").asLong()).isZero());
    }

    @Test
    void lifecycleModePrintsALifePerSkb() throws Exception {
        TracedRun.Output output = traced("--output", "json", "-p", "icmp", "-s", A);
        List<JsonNode> lives = records(output.stdout()).stream()
                .filter(record -> record.get("type").asText().equals("life")).toList();
        assertThat(lives).as(output.toString()).isNotEmpty().allSatisfy(life -> {
            assertThat(life.get("skbs")).isNotEmpty();
            assertThat(life.get("events")).isNotEmpty();
            assertThat(life.get("ending").asText()).isIn("freed", "expired", "unfinished");
        });
    }

    @Test
    void diagnosisCarriesFindingsOnItsEvents(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("trace.json");
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--diag", "--output", "json", "--output-file", file.toString(),
                "-p", "udp", "-D", "7709")) {
            net.sendUdp(net.a(), B, 7709, 10);
            output = run.awaitExit();
        }
        assertThat(output.stdout()).as("the trace goes to the file").isEmpty();
        List<JsonNode> records = records(Files.readString(file));
        assertThat(records).as(output.toString()).allSatisfy(record -> assertThat(record.get("type").asText())
                .isIn("diagnosis", "summary"));
        JsonNode diagnosis = records.stream().filter(record -> record.path("verdict").asText().equals("error"))
                .findFirst().orElseThrow();
        JsonNode drop = diagnosis.get("events").get(diagnosis.get("events").size() - 1);
        assertThat(drop.get("tracer").asText()).isEqualTo("kfree_skb");
        assertThat(drop.get("drop_reason").asText()).isEqualTo("NO_SOCKET");
        assertThat(drop.get("finding").get("level").asText()).isEqualTo("error");
        assertThat(drop.get("finding").get("drop_reason").get(0).asText()).isEqualTo("NO_SOCKET");
        assertThat(drop.get("finding").get("advice").asText()).contains("nothing listens");
        assertThat(records.getLast().get("stopped_by").asText()).isEqualTo("first error diagnosed");
    }
}
