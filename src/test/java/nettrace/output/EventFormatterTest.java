package nettrace.output;

import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import nettrace.event.Location;
import nettrace.event.Outcome;
import nettrace.event.Packet;
import nettrace.event.TimeText;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

/** A line from the event alone: its packet, the names it carries. */
class EventFormatterTest {
    private static final Tracer RECEIVE = tracer("netif_receive_skb", "link-in", Analyzer.DEFAULT);
    private static final Tracer DROP = tracer("kfree_skb", "life", Analyzer.DROP);
    private final EventFormatter formatter = new EventFormatter(new TimeText(false, 0), false, false);

    private static Packet udp(int sourcePort) {
        return new Packet(Packet.ETH_P_IP, Packet.IPPROTO_UDP, 0xc612000100000000L, 0, 0xc612000200000000L, 0,
                sourcePort, 9000, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0, 0);
    }

    private String line(Packet packet) {
        return formatter.format(Events.at(RECEIVE).packet(packet).build());
    }

    @Test
    void eachLineShowsItsOwnPacketWhetherTheLastOneWasTheSameOrNot() {
        assertThat(line(udp(40001))).endsWith("UDP: 198.18.0.1:40001 -> 198.18.0.2:9000");
        assertThat(line(udp(40001))).as("an equal packet in another object").endsWith("198.18.0.1:40001 -> 198.18.0.2:9000");
        assertThat(line(udp(40002))).endsWith("UDP: 198.18.0.1:40002 -> 198.18.0.2:9000");
        assertThat(line(Events.PING)).contains("ICMP").doesNotContain("40002");
        assertThat(line(udp(40001))).endsWith("UDP: 198.18.0.1:40001 -> 198.18.0.2:9000");
    }

    @Test
    void aDropShowsTheReasonAndLocationItCarries() {
        assertThat(formatter.format(Events.at(DROP).time(1_500_000_123_000L)
                .outcome(new Outcome.Dropped("NO_SOCKET", new Location("__udp4_lib_rcv", 0x9f1, 0))).build()))
                .isEqualTo("[1500.000123] [kfree_skb           ] ICMP: 10.0.0.1 -> 10.0.0.2 ping request, seq: 1,"
                        + " id: 7 *reason: NO_SOCKET, __udp4_lib_rcv+0x9f1*");
    }

    @Test
    void aTunnelsPacketShowsTheOneItCarries() {
        assertThat(formatter.format(Events.at(RECEIVE).packet(udp(4789)).inner(Events.PING).build()))
                .endsWith("UDP: 198.18.0.1:4789 -> 198.18.0.2:9000 [inner: ICMP: 10.0.0.1 -> 10.0.0.2 ping request,"
                        + " seq: 1, id: 7]");
    }
}
