package nettrace.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import nettrace.testing.Topology;
import nettrace.testing.TracedRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Facts in the output, each once wrong: a reset's reason is no drop reason, a veth's transmit is
 * its own device's, a closing socket keeps its port, a command's text stays off the JSON stream,
 * a command sets the span of a diagnosis, and a filter naming nothing that exists is warned about.
 */
@Tag("kernel")
class OutputFactsKernelTest {
    private static final String A = "10.199.71.1";
    private static final String B = "10.199.71.2";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Topology topology;
    private static String nsA;
    private static String nsB;

    @BeforeAll
    static void buildTopology() {
        topology = new Topology();
        nsA = topology.namespace("fa");
        nsB = topology.namespace("fb");
        topology.veth(nsA, "veth-a", List.of(A + "/24"), nsB, "veth-b", List.of(B + "/24"));
        topology.exec(nsA, "ping", "-c", "1", "-W", "5", B);
    }

    @AfterAll
    static void removeTopology() {
        topology.close();
    }

    private static List<JsonNode> records(TracedRun.Output output) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        for (String line : output.lines()) {
            records.add(JSON.readTree(line));
        }
        return records;
    }

    @Test
    void aResetCarriesItsResetReasonNeverADropReason() throws Exception {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "--output", "json", "-p", "tcp", "-D", "7310")) {
            topology.tryExec(nsA, "nc", "-w", "1", B, "7310");
            output = run.stop();
        }
        List<JsonNode> resets = records(output).stream()
                .filter(record -> record.path("tracer").asText().equals("tcp_send_reset")).toList();
        assertThat(resets).as(output.toString()).isNotEmpty().allSatisfy(reset -> {
            assertThat(reset.has("drop_reason")).as(reset.toString()).isFalse();
            assertThat(reset.path("reset_reason").asText()).isEqualTo("NO_SOCKET");
        });
        assertThat(output.stdout()).doesNotContain("SKB_CONSUMED");
    }

    @Test
    void aVethTransmitIsShownOnTheSendersDeviceAndInItsNamespace() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "--detail", "-p", "icmp", "-s", A, "--netns",
                Long.toString(topology.inode(nsA)))) {
            topology.exec(nsA, "ping", "-c", "1", "-W", "1", B);
            output = run.stop();
        }
        for (String tracer : List.of("net_dev_start_xmit", "net_dev_xmit")) {
            assertThat(output.eventsAt(tracer)).as(output.toString()).isNotEmpty()
                    .allMatch(line -> line.contains("[veth-a]"));
        }
        assertThat(output.events()).as("only the sender's namespace").noneMatch(line -> line.contains("[veth-b]"));
    }

    @Test
    void aSocketClosingKeepsItsLocalPort() {
        Process server = topology.start(nsB, "nc", "-l", "-p", "7320");
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--sock", "-p", "tcp", "--port", "7320")) {
            sleep(300);
            topology.tryExec(nsA, "sh", "-c", "echo hi | nc -N -w1 " + B + " 7320");
            sleep(500);
            output = run.stop();
        } finally {
            server.destroy();
        }
        List<String> closing = output.lines().stream().filter(line -> line.contains("-> CLOSE")).toList();
        assertThat(closing).as(output.toString()).isNotEmpty()
                .noneMatch(line -> line.matches(".*TCP: [0-9.]+:0 -> .*"));
    }

    @Test
    void withJsonOnStdoutTheCommandsOwnOutputGoesToStderr() throws Exception {
        TracedRun.Output output = TracedRun.runToEnd("--basic", "--output", "json", "-p", "icmp", "-s", A, "--",
                "sh", "-c", "echo text-of-the-command; ip netns exec " + nsA + " ping -c 1 -W 1 " + B);
        assertThat(records(output)).as(output.toString()).isNotEmpty()
                .allMatch(record -> record.has("type"));
        assertThat(output.stderr()).contains("text-of-the-command");
        assertThat(output.stdout()).doesNotContain("text-of-the-command");
    }

    @Test
    void aCommandSetsTheSpanOfADiagnosisPastTheFirstError() {
        TracedRun.Output output = TracedRun.runToEnd("--diag", "-v", "-p", "udp", "-D", "7330", "--", "sh", "-c",
                "ip netns exec " + nsA + " bash -c 'head -c 10 /dev/zero > /dev/udp/" + B + "/7330'; sleep 1;"
                        + " exit 3");
        assertThat(output.exitCode()).as("the command's own status: it ran to its end\n%s", output).isEqualTo(3);
        assertThat(output.stdout()).contains("ANALYSIS RESULT");
        assertThat(output.stderr()).contains("first error diagnosed; no further packet is shown, the command goes on")
                .contains("stopped: command exited");
    }

    @Test
    void aProcessOrNamespaceThatExistsNowhereIsWarnedAbout() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--basic", "-p", "icmp", "--pid", "4000000", "--netns", "4026599999")) {
            output = run.stop();
        }
        assertThat(output.stderr()).contains("warning: --pid 4000000: no such process now")
                .contains("warning: --netns 4026599999: no network namespace with this inode now");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
