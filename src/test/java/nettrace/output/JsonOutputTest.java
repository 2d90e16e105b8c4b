package nettrace.output;

import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import org.junit.jupiter.api.Test;

class JsonOutputTest {
    private static final AttachPlan PLAN = Events.plan(tracer("net_dev_queue", "link", Analyzer.DEFAULT),
            tracer("consume_skb", "life", Analyzer.FREE));
    private static final Packet UDP = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_UDP, 0xc612000100000000L, 0,
            0xc612000200000000L, 0, 40000, 9000, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0, 0);
    private static final Packet TCP = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_TCP, 0x0a00000100000000L, 0,
            0x0a00000200000000L, 0, 40001, 80, 7, 8, Packet.TCP_SYN, 60, 0, 0, 0, 0, 0, 0, 0);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final EventFormatter formatter = new EventFormatter(PLAN, new DropReasons(Map.of(), Map.of()),
            () -> KernelSymbols.parse(""), false, false, false);
    private final LifecycleTracker tracker = new LifecycleTracker(new JsonOutput(new Console(
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err), formatter), 0);

    private static SkbEvent event(long skb, int tracer, long timestamp, int flags, Packet packet) {
        return new SkbEvent(timestamp, skb, 0, 0, tracer, flags, 1, 42, 1, 3, "", "", packet, -1, null, null, skb << 4,
                packet.hashCode(), null);
    }

    private List<JsonNode> lines() throws Exception {
        tracker.finish();
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            nodes.add(mapper.readTree(line));
        }
        return nodes;
    }

    @Test
    void eachLifeIsALineWithItsEventsAndTheirOwnPacketsAndTimes() throws Exception {
        SkbEvent first = event(0xffff888100000100L, 0, 1_500_000_123_000L, SkbEvent.LIFE_NEW, UDP);
        tracker.accept(first);
        tracker.accept(event(0xffff888100000100L, 1, 1_500_000_124_000L, SkbEvent.LIFE_END, UDP));
        tracker.accept(event(0xffff888100000200L, 0, 1_500_000_125_000L, SkbEvent.LIFE_NEW, TCP));
        tracker.accept(event(0xffff888100000200L, 1, 1_500_000_126_000L, SkbEvent.LIFE_END, TCP));

        List<JsonNode> lives = lines();
        assertThat(lives).hasSize(2);
        JsonNode udp = lives.get(0).get("events");
        assertThat(udp).hasSize(2);
        assertThat(udp.get(0).get("time").asText()).isEqualTo("1500.000123");
        assertThat(udp.get(0).get("time_ns").asLong()).isEqualTo(1_500_000_123_000L);
        assertThat(udp.get(1).get("tracer").asText()).isEqualTo("consume_skb");
        assertThat(udp.get(1).get("skb").asText()).isEqualTo("ffff888100000100");
        assertThat(udp.get(1).get("packet").get("saddr").asText()).isEqualTo("198.18.0.1");
        assertThat(udp.get(1).get("packet").get("daddr").asText()).isEqualTo("198.18.0.2");
        JsonNode tcp = lives.get(1).get("events").get(0);
        assertThat(tcp.get("skb").asText()).isEqualTo("ffff888100000200");
        assertThat(tcp.get("packet").get("saddr").asText()).isEqualTo("10.0.0.1");
        assertThat(tcp.get("packet").get("daddr").asText()).isEqualTo("10.0.0.2");
        assertThat(tcp.get("packet").get("tcp_flags").asText()).isEqualTo("S");
    }
}
