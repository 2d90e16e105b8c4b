package nettrace.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import nettrace.bpf.EventFlags;
import nettrace.bpf.Links;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

/** What EventJsonWriter writes, EventJsonReader reads back whole: a record replays as it was. */
class EventJsonTest {
    private static final Tracer HOOK = Events.tracer("nft_do_chain", "netfilter-base", Analyzer.IPTABLE);
    private static final Tracer DROP = Events.tracer("kfree_skb", "life", Analyzer.DROP);
    private static final Tracer SOCK = Events.tracer("inet_sock_set_state", "tcp-state", Analyzer.DEFAULT);
    private static final List<Tracer> TREE = List.of(HOOK, DROP, SOCK);

    /** The events, written by one writer one after another, each read back as a JSON tree. */
    private static List<JsonNode> written(List<SkbEvent> events) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonGenerator json = EventJsonWriter.generator(bytes);
        EventJsonWriter writer = new EventJsonWriter(null, true);
        for (SkbEvent event : events) {
            json.writeStartObject();
            writer.fields(json, event);
            json.writeEndObject();
            json.writeRaw('\n');
        }
        json.flush();
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            nodes.add(mapper.readTree(line));
        }
        return nodes;
    }

    private static SkbEvent read(JsonNode node) {
        return new EventJsonReader((name, group) -> TREE.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow()).read(node);
    }

    private static SkbEvent roundTrip(SkbEvent event) throws Exception {
        return read(written(List.of(event)).getFirst());
    }

    private static void assertSameFacts(SkbEvent read, SkbEvent written) {
        assertThat(read).usingRecursiveComparison().ignoringFields("capture").isEqualTo(written);
        if (written.capture() != null) {
            assertThat(read.capture().bytes()).isEqualTo(written.capture().bytes());
            assertThat(read.capture().link()).isEqualTo(written.capture().link());
            assertThat(read.capture().packetLength()).isEqualTo(written.capture().packetLength());
        }
    }

    @Test
    void aDropWithItsTunnelsPacketNetfilterStackAndBytesComesBackWhole() throws Exception {
        Packet outer = new Packet(Packet.ETH_P_IPV6, Packet.IPPROTO_UDP, 0xfd00019800000000L, 1L,
                0xfd00019800000000L, 2L, 43210, 4789, 0, 0, 0, 150, 10, 0, 0, 0, 0, 0, 0);
        SkbEvent written = new SkbEvent(1_500_000_123_456L, 0xffff888100000100L, DROP,
                EventFlags.EVENT_LIFE_END | EventFlags.EVENT_REASON | EventFlags.EVENT_RET, 1, 4242,
                new Namespace(4026532388L, "web-1", "ip netns exec web-1 "), 3, "eth0", "ping", outer, Events.PING,
                0xffff888200000000L, -77, 0, new Outcome.Dropped("NETFILTER_DROP",
                        new Location("nft_do_chain", 0x3e8, 0)),
                new Netfilter(Netfilter.Source.NFTABLES, 2, Netfilter.NFPROTO_INET, "filter", "forward",
                        List.of("nft_do_chain_inet")),
                null, List.of("ip_forward+0x1c", "0xffffffffc0001234"),
                new Capture(Links.LINK_ETHERNET, 164, new byte[] {1, 2, 3, (byte) 0xff}));
        assertSameFacts(roundTrip(written), written);
    }

    @Test
    void anArpPacketAResetAnIcmpErrorAClonedSkbAndASocketComeBackWhole() throws Exception {
        Packet arp = new Packet(Packet.ETH_P_ARP, 0, 0x0a00000100000000L, 0, 0x0a00000200000000L, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 1, 0x020000000a0bL);
        for (Outcome outcome : List.of(new Outcome.ResetSent("NO_SOCKET"), new Outcome.IcmpErrorSent(3, 13),
                new Outcome.Cloned(0xffff888100000200L))) {
            SkbEvent written = Events.at(HOOK).packet(arp).outcome(outcome).returned(-1).build();
            assertSameFacts(roundTrip(written), written);
        }
        SkbEvent socket = new SkbEvent(5, 0xffff888300000000L, SOCK, EventFlags.EVENT_SOCK, 0, 7, Events.NETNS, 0,
                "", "", Events.PING, null, 0, 0, 0, null, null, new SockState(7, 1, 0, 1200, 900, 10, 2, 0, 3),
                List.of(), null);
        assertSameFacts(roundTrip(socket), socket);
    }

    @Test
    void fragmentsComeBackWithTheirPlace() throws Exception {
        for (int field : new int[] {0x2000, 0x2000 | 185, 370}) {
            Packet fragment = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_ICMP, 0x0a01000200000000L, 0,
                    0x0a02000200000000L, 0, 0, 0, 0, 0, 0, 1500, 0, field == 0x2000 ? 8 : 0, 0,
                    field == 0x2000 ? 4520 : 0, field == 0x2000 ? 1 : 0, 0, 0, field, 0xfedcba98L);
            SkbEvent written = Events.at(HOOK).packet(fragment).build();
            assertSameFacts(roundTrip(written), written);
        }
    }

    @Test
    void aFragListFreeComesBackWithItsParentsEnd() throws Exception {
        Location fragList = new Location("skb_release_data", 0x165, 0);
        for (Outcome parentEnd : new Outcome[] {new Outcome.Consumed(new Location("icmp_rcv", 0x10, 0)),
                new Outcome.Dropped("NETFILTER_DROP", new Location("nft_do_chain", 0x3e8, 0)), null}) {
            SkbEvent written = Events.at(DROP).outcome(new Outcome.FreedWithParent(fragList,
                    parentEnd == null ? 0 : 0xffff888100000300L, parentEnd, parentEnd == null ? null : Events.PING))
                    .build();
            assertSameFacts(roundTrip(written), written);
        }
    }

    @Test
    void consumeLocationsAreKeptAndAnUnknownLocationIsItsAddress() throws Exception {
        SkbEvent consumed = Events.at(Events.tracer("consume_skb", "life", Analyzer.FREE)).outcome(
                new Outcome.Consumed(new Location("", 0, 0xffffffffc0a01000L))).build();
        Tracer free = consumed.tracer();
        SkbEvent read = new EventJsonReader((name, group) -> free).read(written(List.of(consumed)).getFirst());
        assertThat(read.outcome()).isEqualTo(consumed.outcome());
        assertThat(((Outcome.Consumed) read.outcome()).location().text()).isEqualTo("0xffffffffc0a01000");
    }

    @Test
    void oneWriterWritesEachEventsOwnFactsWhenTheyChangeAndWhenTheyRepeat() throws Exception {
        Namespace other = new Namespace(4026532999L, "inode 4026532999", "");
        Packet udp = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_UDP, 0x0a00000100000000L, 0, 0x0a00000200000000L, 0,
                5000, 53, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0);
        List<SkbEvent> events = List.of(
                Events.at(HOOK).build(),
                Events.at(HOOK).build(),
                Events.at(SOCK).skb(0xffff888100000900L).netns(other).device("eth1").command("curl").packet(udp)
                        .build(),
                Events.at(SOCK).skb(0xffff888100000900L).netns(other).device("eth1").command("curl").packet(udp)
                        .build(),
                Events.at(HOOK).device("veth0").command("ping").build(),
                Events.at(HOOK).build());
        List<JsonNode> lines = written(events);
        assertThat(lines).hasSameSizeAs(events);
        for (int i = 0; i < lines.size(); i++) {
            assertSameFacts(read(lines.get(i)), events.get(i));
        }
    }
}
