package nettrace.output;

import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import org.junit.jupiter.api.Test;

class EventFormatterTest {
    private final EventFormatter formatter = new EventFormatter(Events.plan(tracer("netif_receive_skb", "link-in",
            Analyzer.DEFAULT)), new DropReasons(Map.of(), Map.of()), () -> KernelSymbols.parse(""), false, false, false);

    private static Packet udp(int sourcePort) {
        return new Packet(Packet.ETH_P_IP, Packet.IPPROTO_UDP, 0xc612000100000000L, 0, 0xc612000200000000L, 0,
                sourcePort, 9000, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0, 0);
    }

    private String line(Packet packet) {
        return formatter.format(new SkbEvent(1_000_000L, 0xffff888000001000L, 0, 0, 0, 0, 0, 1, 1, 1, "", "",
                packet, -1, null, null, 0, 0, null));
    }

    @Test
    void eachLineShowsItsOwnPacketWhetherTheLastOneWasTheSameOrNot() {
        assertThat(line(udp(40001))).endsWith("UDP: 198.18.0.1:40001 -> 198.18.0.2:9000");
        assertThat(line(udp(40001))).as("an equal packet in another object").endsWith("198.18.0.1:40001 -> 198.18.0.2:9000");
        assertThat(line(udp(40002))).endsWith("UDP: 198.18.0.1:40002 -> 198.18.0.2:9000");
        assertThat(line(Events.PING)).contains("ICMP").doesNotContain("40002");
        assertThat(line(udp(40001))).endsWith("UDP: 198.18.0.1:40001 -> 198.18.0.2:9000");
    }
}
