package nettrace.output;

import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import nettrace.bpf.EventFlags;
import nettrace.event.EventJsonWriter;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.event.TimeText;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

class JsonOutputTest {
    private static final Tracer QUEUE = tracer("net_dev_queue", "link", Analyzer.DEFAULT);
    private static final Tracer CONSUME = tracer("consume_skb", "life", Analyzer.FREE);
    private static final Packet UDP = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_UDP, 0xc612000100000000L, 0,
            0xc612000200000000L, 0, 40000, 9000, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0, 0);
    private static final Packet TCP = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_TCP, 0x0a00000100000000L, 0,
            0x0a00000200000000L, 0, 40001, 80, 7, 8, Packet.TCP_SYN, 60, 0, 0, 0, 0, 0, 0, 0);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final LifecycleTracker tracker = new LifecycleTracker(new JsonOutput(new Console(
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err),
            new EventJsonWriter(new TimeText(false, 0), false)), 0);

    private static SkbEvent event(long skb, Tracer tracer, long timestamp, int flags, Packet packet) {
        return Events.at(tracer).skb(skb).time(timestamp).flags(flags).packet(packet)
                .buffer(skb << 4, packet.hashCode()).build();
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
        SkbEvent first = event(0xffff888100000100L, QUEUE, 1_500_000_123_000L, EventFlags.EVENT_LIFE_NEW, UDP);
        tracker.accept(first);
        tracker.accept(event(0xffff888100000100L, CONSUME, 1_500_000_124_000L, EventFlags.EVENT_LIFE_END, UDP));
        tracker.accept(event(0xffff888100000200L, QUEUE, 1_500_000_125_000L, EventFlags.EVENT_LIFE_NEW, TCP));
        tracker.accept(event(0xffff888100000200L, CONSUME, 1_500_000_126_000L, EventFlags.EVENT_LIFE_END, TCP));

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

    @Test
    void aLifesEndingAndHeadAreWrittenTheSameInEveryLocale() throws Exception {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr-TR")); // lower-cases I to a dotless i
        try {
            tracker.accept(event(0xffff888100000300L, QUEUE, 1_500_000_127_000L, EventFlags.EVENT_LIFE_NEW, UDP));
            tracker.accept(event(0xffff888100000400L, QUEUE, 1_500_000_128_000L, EventFlags.EVENT_LIFE_NEW, UDP));
            tracker.accept(event(0xffff888100000400L, QUEUE, 1_500_000_129_000L, 0, UDP));
            List<JsonNode> lives = lines();

            assertThat(lives).extracting(life -> life.get("ending").asText()).containsOnly("unfinished");
            assertThat(lives.get(1).get("events")).extracting(event -> event.get("head").asText())
                    .containsExactly("fff8881000004000", "fff8881000004000");
        } finally {
            Locale.setDefault(before);
        }
    }
}
