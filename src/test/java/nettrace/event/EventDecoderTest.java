package nettrace.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventDecoderTest {
    @Test
    void decodesARecordWrittenInTheBpfLayout() {
        int base = 24;
        ByteBuffer data = ByteBuffer.allocate(base + EventLayout.SIZE_WITH_NAMES).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(base + EventLayout.TS, 123_456_789_000L);
        data.putLong(base + EventLayout.SKB, 0xffff888012345600L);
        data.putLong(base + EventLayout.RET, -1);
        data.putInt(base + EventLayout.TRACER, 7);
        data.putShort(base + EventLayout.FLAGS, (short) SkbEvent.HAS_RETURN);
        data.putShort(base + EventLayout.CPU, (short) 1);
        data.putInt(base + EventLayout.PID, 4242);
        data.putInt(base + EventLayout.NETNS, 0xF0000001);
        data.put(base + EventLayout.COMM, "ping\0".getBytes(StandardCharsets.US_ASCII));
        data.put(base + EventLayout.IFNAME, "veth0\0".getBytes(StandardCharsets.US_ASCII));
        int pkt = base + EventLayout.PKT;
        data.put(pkt + EventLayout.PKT_SADDR, new byte[] {10, 0, 0, 1});
        data.put(pkt + EventLayout.PKT_DADDR, new byte[] {10, 0, 0, 2});
        data.putShort(pkt + EventLayout.PKT_L3_PROTO, (short) Packet.ETH_P_IP);
        data.put(pkt + EventLayout.PKT_L4_PROTO, (byte) Packet.IPPROTO_TCP);
        data.put(pkt + EventLayout.PKT_TCP_FLAGS, (byte) Packet.TCP_SYN);
        data.putShort(pkt + EventLayout.PKT_SPORT, (short) 40000);
        data.putShort(pkt + EventLayout.PKT_DPORT, (short) 80);
        data.putInt(pkt + EventLayout.PKT_SEQ, 0xfffffffe);

        SkbEvent event = new EventDecoder(true).decode(data, base, EventLayout.SIZE_WITH_NAMES);

        assertThat(event.timestamp()).isEqualTo(123_456_789_000L);
        assertThat(event.skb()).isEqualTo(0xffff888012345600L);
        assertThat(event.result()).isEqualTo(-1);
        assertThat(event.hasReturnValue()).isTrue();
        assertThat(event.tracer()).isEqualTo(7);
        assertThat(event.cpu()).isEqualTo(1);
        assertThat(event.pid()).isEqualTo(4242);
        assertThat(Integer.toUnsignedLong(event.netns())).isEqualTo(0xF0000001L);
        assertThat(event.command()).isEqualTo("ping");
        assertThat(event.interfaceName()).isEqualTo("veth0");
        Packet packet = event.packet();
        assertThat(packet.sourcePort()).isEqualTo(40000);
        assertThat(packet.destinationPort()).isEqualTo(80);
        assertThat(packet.sequence()).isEqualTo(0xfffffffeL);
        assertThat(packet.sourceHigh() >>> 32).isEqualTo(0x0a000001L);
        assertThat(packet.tcpFlags()).isEqualTo(Packet.TCP_SYN);
    }

    @Test
    void decodesTheNetfilterExtensionWhenFlaggedAndPresent() {
        ByteBuffer data = ByteBuffer.allocate(EventLayout.SIZE_WITH_EXTENSION).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort(EventLayout.FLAGS, (short) SkbEvent.NETFILTER);
        int nf = EventLayout.EXT;
        data.put(nf + EventLayout.NF_SOURCE, (byte) 3);
        data.put(nf + EventLayout.NF_HOOK, (byte) 2);
        data.put(nf + EventLayout.NF_PF, (byte) Netfilter.NFPROTO_IPV4);
        data.put(nf + EventLayout.NF_TABLE, "filter\0".getBytes(StandardCharsets.US_ASCII));
        data.put(nf + EventLayout.NF_CHAIN, "FORWARD\0".getBytes(StandardCharsets.US_ASCII));
        data.put(nf + EventLayout.NF_HOOK_COUNT, (byte) 2);
        data.putLong(nf + EventLayout.NF_HOOKS, 0xffffffffc0a01000L);
        data.putLong(nf + EventLayout.NF_HOOKS + 8, 0xffffffffc0a02000L);

        Netfilter netfilter = new EventDecoder(false).decode(data, 0, EventLayout.SIZE_WITH_EXTENSION).netfilter();

        assertThat(netfilter.source()).isEqualTo(Netfilter.Source.NFTABLES);
        assertThat(netfilter.hookName()).isEqualTo("FORWARD");
        assertThat(netfilter.familyName()).isEqualTo("ipv4");
        assertThat(netfilter.table()).isEqualTo("filter");
        assertThat(netfilter.chain()).isEqualTo("FORWARD");
        assertThat(netfilter.hooks()).containsExactly(0xffffffffc0a01000L, 0xffffffffc0a02000L);
        assertThat(new EventDecoder(false).decode(data, 0, EventLayout.SIZE).hasNetfilter())
                .as("a record cut at the base size has no extension").isFalse();
    }

    @Test
    void namesAreNotDecodedUnlessAskedForNorFromARecordWithoutThem() {
        ByteBuffer data = ByteBuffer.allocate(EventLayout.SIZE_WITH_NAMES).order(ByteOrder.LITTLE_ENDIAN);
        data.put(EventLayout.COMM, "ping\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(new EventDecoder(false).decode(data, 0, EventLayout.SIZE_WITH_NAMES).command()).isEmpty();
        assertThat(new EventDecoder(true).decode(data, 0, EventLayout.SIZE).command()).isEmpty();
        assertThat(new EventDecoder(true).decode(data, 0, EventLayout.SIZE_WITH_NAMES).command()).isEqualTo("ping");
    }

    @Test
    void thirtyTwoBitReturnValuesAreSignExtendedForTheirTracersOnly() {
        ByteBuffer data = ByteBuffer.allocate(EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(EventLayout.RET, 0xffffffffL);
        data.putInt(EventLayout.TRACER, 1);
        assertThat(new EventDecoder(false, new boolean[] {false, true}).decode(data, 0, EventLayout.SIZE).result())
                .isEqualTo(-1);
        assertThat(new EventDecoder(false, new boolean[] {true, false}).decode(data, 0, EventLayout.SIZE).result())
                .isEqualTo(0xffffffffL);
    }

    @Test
    void consecutiveRecordsOfTheSamePacketShareOnePacketAndADifferentOneIsDecodedAfresh() {
        ByteBuffer data = ByteBuffer.allocate(3 * EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int record = 0; record < 3; record++) {
            int pkt = record * EventLayout.SIZE + EventLayout.PKT;
            data.putShort(pkt + EventLayout.PKT_L3_PROTO, (short) Packet.ETH_P_IP);
            data.put(pkt + EventLayout.PKT_L4_PROTO, (byte) Packet.IPPROTO_UDP);
            data.putShort(pkt + EventLayout.PKT_DPORT, (short) (record < 2 ? 53 : 54));
        }
        EventDecoder decoder = new EventDecoder(false);

        Packet first = decoder.decode(data, 0, EventLayout.SIZE).packet();
        Packet second = decoder.decode(data, EventLayout.SIZE, EventLayout.SIZE).packet();
        Packet third = decoder.decode(data, 2 * EventLayout.SIZE, EventLayout.SIZE).packet();

        assertThat(second).isSameAs(first);
        assertThat(third).isNotSameAs(first);
        assertThat(third.destinationPort()).isEqualTo(54);
        assertThat(first.destinationPort()).isEqualTo(53);
    }
}
