package nettrace.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nettrace.bpf.CaptureLayout;
import nettrace.bpf.EventFlags;
import nettrace.bpf.EventLayout;
import nettrace.bpf.EventSizes;
import nettrace.bpf.Links;
import nettrace.bpf.NetfilterLayout;
import nettrace.bpf.NetfilterSources;
import nettrace.bpf.PacketLayout;
import nettrace.bpf.RecordLayout;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

/** Records in the BPF layout become whole events: names resolved through the context, once. */
class EventDecoderTest {
    private static final Tracer PLAIN = Events.tracer("net_dev_queue", "link-out", Analyzer.DEFAULT);
    private static final Tracer DROP = Events.tracer("kfree_skb", "life", Analyzer.DROP);
    private static final Tracer NFT = Events.tracer("nft_do_chain", "netfilter-base", Analyzer.IPTABLE);
    private static final Tracer CONSUME = Events.tracer("consume_skb", "life", Analyzer.FREE);
    private static final long SKB_RELEASE_DATA = 0xffffffff81aaa165L;
    private static final long KFREE_SKB_LIST = 0xffffffff81bbb040L;
    private static final long NOT_SPECIFIED = 2;

    /** A context with made-up names, remembering what it was asked. */
    private static final class Context implements EventContext {
        final List<Tracer> tracers = List.of(PLAIN, DROP, NFT, CONSUME);
        final boolean[] int32 = {false, true, false, false};
        final Map<Long, String> learnt = new HashMap<>();
        int namespaceLookups;

        @Override
        public Tracer tracer(int id) {
            return tracers.get(id);
        }

        @Override
        public boolean int32Return(int id) {
            return int32[id];
        }

        @Override
        public String dropReason(long reason) {
            return reason == 12 ? "NETFILTER_DROP" : reason == NOT_SPECIFIED ? "NOT_SPECIFIED" : "reason " + reason;
        }

        @Override
        public String resetReason(long reason) {
            return "NO_SOCKET";
        }

        @Override
        public Location location(long address) {
            if (address == SKB_RELEASE_DATA) {
                return new Location("skb_release_data", 0x165, address);
            }
            if (address == KFREE_SKB_LIST) {
                return new Location("kfree_skb_list", 0x40, address);
            }
            return new Location(address == 0xffffffff81f2afe6L ? "nf_hook_slow" : "", 0x96, address);
        }

        @Override
        public List<String> stack(int stackId) {
            return List.of("ip_rcv+0x1c", "stack " + stackId);
        }

        @Override
        public Namespace namespace(long inode) {
            namespaceLookups++;
            return new Namespace(inode, "ns " + inode, "");
        }

        @Override
        public String interfaceName(long netns, int ifindex, String sent) {
            if (!sent.isEmpty()) {
                learnt.put(netns << 32 | ifindex, sent);
                return sent;
            }
            return learnt.getOrDefault(netns << 32 | ifindex, "");
        }
    }

    private final Context context = new Context();
    private final EventDecoder decoder = new EventDecoder(context);

    private static ByteBuffer record(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void decodesARecordWrittenInTheBpfLayout() {
        int base = 24;
        ByteBuffer data = record(base + EventSizes.NT_EVENT_BASE_SIZE);
        data.putLong(base + EventLayout.TS, 123_456_789_000L);
        data.putLong(base + EventLayout.SKB, 0xffff888012345600L);
        data.putLong(base + EventLayout.RET, -1);
        data.putInt(base + EventLayout.TRACER, 0);
        data.putShort(base + EventLayout.FLAGS, (short) (EventFlags.EVENT_RET | EventFlags.EVENT_NAMES));
        data.putShort(base + EventLayout.CPU, (short) 1);
        data.putInt(base + EventLayout.PID, 4242);
        data.putInt(base + EventLayout.NETNS, 0xF0000001);
        data.putInt(base + EventLayout.IFINDEX, 3);
        data.putInt(base + EventLayout.STACK_ID, -1);
        data.putLong(base + EventLayout.HEAD, 0xffff888099990000L);
        data.putLong(base + EventLayout.FINGERPRINT, 77);
        data.put(base + EventLayout.COMM, "ping\0".getBytes(StandardCharsets.US_ASCII));
        data.put(base + EventLayout.IFNAME, "veth0\0".getBytes(StandardCharsets.US_ASCII));
        int pkt = base + EventLayout.PKT;
        data.put(pkt + PacketLayout.SADDR, new byte[] {10, 0, 0, 1});
        data.put(pkt + PacketLayout.DADDR, new byte[] {10, 0, 0, 2});
        data.putShort(pkt + PacketLayout.L3_PROTO, (short) Packet.ETH_P_IP);
        data.put(pkt + PacketLayout.L4_PROTO, (byte) Packet.IPPROTO_TCP);
        data.put(pkt + PacketLayout.TCP_FLAGS, (byte) Packet.TCP_SYN);
        data.putShort(pkt + PacketLayout.SPORT, (short) 40000);
        data.putShort(pkt + PacketLayout.DPORT, (short) 80);
        data.putInt(pkt + PacketLayout.SEQ, 0xfffffffe);

        SkbEvent event = decoder.decode(data, base, EventSizes.NT_EVENT_BASE_SIZE);

        assertThat(event.timestamp()).isEqualTo(123_456_789_000L);
        assertThat(event.skb()).isEqualTo(0xffff888012345600L);
        assertThat(event.result()).isEqualTo(-1);
        assertThat(event.hasReturnValue()).isTrue();
        assertThat(event.tracer()).isSameAs(PLAIN);
        assertThat(event.cpu()).isEqualTo(1);
        assertThat(event.pid()).isEqualTo(4242);
        assertThat(event.netns()).isEqualTo(new Namespace(0xF0000001L, "ns 4026531841", ""));
        assertThat(event.command()).isEqualTo("ping");
        assertThat(event.interfaceName()).isEqualTo("veth0");
        assertThat(event.head()).isEqualTo(0xffff888099990000L);
        assertThat(event.fingerprint()).isEqualTo(77);
        assertThat(event.stack()).isEmpty();
        Packet packet = event.packet();
        assertThat(packet.sourcePort()).isEqualTo(40000);
        assertThat(packet.destinationPort()).isEqualTo(80);
        assertThat(packet.sequence()).isEqualTo(0xfffffffeL);
        assertThat(packet.sourceHigh() >>> 32).isEqualTo(0x0a000001L);
        assertThat(packet.tcpFlags()).isEqualTo(Packet.TCP_SYN);
    }

    @Test
    void aDropIsNamedAndPlacedAndItsDeviceIsRememberedForLaterEventsWithoutNames() {
        ByteBuffer data = record(EventSizes.NT_EVENT_BASE_SIZE);
        data.putInt(EventLayout.TRACER, 1);
        data.putShort(EventLayout.FLAGS, (short) (EventFlags.EVENT_REASON | EventFlags.EVENT_NAMES));
        data.putLong(EventLayout.RET, 12);
        data.putLong(EventLayout.ARG, 0xffffffff81f2afe6L);
        data.putInt(EventLayout.NETNS, 5);
        data.putInt(EventLayout.IFINDEX, 2);
        data.putInt(EventLayout.STACK_ID, 9);
        data.put(EventLayout.IFNAME, "in0\0".getBytes(StandardCharsets.US_ASCII));
        SkbEvent drop = decoder.decode(data, 0, EventSizes.NT_EVENT_BASE_SIZE);
        assertThat(drop.drop()).isEqualTo(new Outcome.Dropped("NETFILTER_DROP",
                new Location("nf_hook_slow", 0x96, 0xffffffff81f2afe6L)));
        assertThat(drop.stack()).containsExactly("ip_rcv+0x1c", "stack 9");

        ByteBuffer plain = record(EventSizes.NT_EVENT_PLAIN_SIZE);
        plain.putInt(EventLayout.NETNS, 5);
        plain.putInt(EventLayout.IFINDEX, 2);
        plain.putInt(EventLayout.STACK_ID, -1);
        assertThat(decoder.decode(plain, 0, EventSizes.NT_EVENT_PLAIN_SIZE).interfaceName()).isEqualTo("in0");
    }

    /** A plain record of tracer `id` for skb on cpu at time, with a drop reason and location when given. */
    private SkbEvent hit(int id, long skb, int cpu, long time, long reason, long location) {
        return hit(id, skb, cpu, time, reason, location, 0);
    }

    private SkbEvent hit(int id, long skb, int cpu, long time, long reason, long location, int flags) {
        ByteBuffer data = record(EventSizes.NT_EVENT_PLAIN_SIZE);
        data.putInt(EventLayout.TRACER, id);
        data.putShort(EventLayout.FLAGS, (short) ((reason >= 0 ? EventFlags.EVENT_REASON : 0) | flags));
        data.putLong(EventLayout.RET, Math.max(reason, 0));
        data.putLong(EventLayout.ARG, location);
        data.putLong(EventLayout.SKB, skb);
        data.putShort(EventLayout.CPU, (short) cpu);
        data.putLong(EventLayout.TS, time);
        data.putInt(EventLayout.STACK_ID, -1);
        return decoder.decode(data, 0, EventSizes.NT_EVENT_PLAIN_SIZE);
    }

    /** The free of an skb with a frag_list: consume_skb, or kfree_skb with a reason. */
    private SkbEvent parentFree(long skb, int cpu, long time, long reason, long location) {
        return hit(reason >= 0 ? 1 : 3, skb, cpu, time, reason, location, EventFlags.EVENT_FRAG_LIST);
    }

    private SkbEvent fragListFree(long skb, int cpu, long time) {
        return hit(1, skb, cpu, time, NOT_SPECIFIED, SKB_RELEASE_DATA);
    }

    @Test
    void skbsFreedFromAConsumedSkbsFragListAreNoDropsButShareItsEnd() {
        parentFree(0xa000, 1, 1_000, -1, 0);
        SkbEvent first = fragListFree(0xb000, 1, 3_000);
        SkbEvent second = fragListFree(0xc000, 1, 4_000);

        for (SkbEvent tail : List.of(first, second)) {
            assertThat(tail.outcome()).isInstanceOfSatisfying(Outcome.FreedWithParent.class, freed -> {
                assertThat(freed.parent()).isEqualTo(0xa000);
                assertThat(freed.parentConsumed()).isTrue();
                assertThat(freed.location().text()).isEqualTo("skb_release_data+0x165");
                assertThat(freed.text()).isEqualTo("freed with the packet it was part of (a000's frag_list,"
                        + " skb_release_data+0x165), which was consumed");
            });
            assertThat(tail.isDrop()).isFalse();
        }
    }

    @Test
    void anSkbFreedFromADroppedSkbsFragListIsDroppedWithItsReason() {
        parentFree(0xa000, 0, 1_000, 12, 0xffffffff81f2afe6L);
        SkbEvent tail = fragListFree(0xb000, 0, 2_000);

        assertThat(tail.isDrop()).isTrue();
        assertThat(tail.drop()).isEqualTo(new Outcome.Dropped("NETFILTER_DROP",
                new Location("nf_hook_slow", 0x96, 0xffffffff81f2afe6L)));
    }

    @Test
    void furtherFreesOfTheParentAndOfAMemberKeepTheParentAndHowItEnded() {
        parentFree(0xa000, 1, 1_000, 12, 0xffffffff81f2afe6L);
        // fentry on __kfree_skb, after kfree_skb's tracepoint: a free (a consume) of the same skb
        hit(3, 0xa000, 1, 1_500, -1, 0, EventFlags.EVENT_FRAG_LIST);
        SkbEvent first = fragListFree(0xb000, 1, 2_000);
        hit(3, 0xb000, 1, 2_500, -1, 0);
        SkbEvent second = fragListFree(0xc000, 1, 3_000);

        for (SkbEvent member : List.of(first, second)) {
            assertThat(member.drop()).as("the parent's drop, not the consume of its later free")
                    .isEqualTo(new Outcome.Dropped("NETFILTER_DROP", new Location("nf_hook_slow", 0x96,
                            0xffffffff81f2afe6L)));
        }
    }

    @Test
    void aFragListFreeWhoseParentWasNotSeenJustBeforeOnItsCpuHasAnUnknownParent() {
        parentFree(0xa000, 1, 1_000, -1, 0);
        SkbEvent otherCpu = fragListFree(0xb000, 0, 2_000);
        parentFree(0xa000, 1, 3_000, -1, 0);
        hit(0, 0xd000, 1, 3_500, -1, 0);
        SkbEvent afterAnotherEvent = fragListFree(0xb000, 1, 4_000);
        parentFree(0xa000, 1, 10_000, -1, 0);
        SkbEvent tooLate = fragListFree(0xb000, 1, 10_000 + FragListParents.WINDOW_NS + 1);
        // a free just before whose skb had no frag_list (reassembly consumes the first fragment so)
        hit(3, 0xa000, 1, 20_000_000, -1, 0);
        SkbEvent afterAFreeWithoutFragList = fragListFree(0xb000, 1, 20_001_000);

        for (SkbEvent tail : List.of(otherCpu, afterAnotherEvent, tooLate, afterAFreeWithoutFragList)) {
            Outcome.FreedWithParent freed = (Outcome.FreedWithParent) tail.outcome();
            assertThat(freed.parentEnd()).isNull();
            assertThat(freed.parentEndName()).isEqualTo("not seen");
            assertThat(tail.isDrop()).isFalse();
        }
    }

    @Test
    void beforeSixTwoAListFreeIsFreedWithItsParentOnlyWhenThatWasSeen() {
        parentFree(0xa000, 1, 1_000, -1, 0);
        SkbEvent member = hit(1, 0xb000, 1, 2_000, NOT_SPECIFIED, KFREE_SKB_LIST);
        hit(0, 0xd000, 1, 3_000, -1, 0);
        SkbEvent transmitDrop = hit(1, 0xe000, 1, 4_000, NOT_SPECIFIED, KFREE_SKB_LIST);

        assertThat(member.outcome()).isInstanceOfSatisfying(Outcome.FreedWithParent.class,
                freed -> assertThat(freed.parentConsumed()).isTrue());
        assertThat(transmitDrop.outcome()).isEqualTo(new Outcome.Dropped("NOT_SPECIFIED",
                new Location("kfree_skb_list", 0x40, KFREE_SKB_LIST)));
    }

    @Test
    void aDropWithoutReasonElsewhereStaysADrop() {
        hit(3, 0xa000, 1, 1_000, -1, 0);
        SkbEvent drop = hit(1, 0xb000, 1, 2_000, NOT_SPECIFIED, 0xffffffff81f2afe6L);

        assertThat(drop.outcome()).isInstanceOf(Outcome.Dropped.class);
        assertThat(drop.drop().reason()).isEqualTo("NOT_SPECIFIED");
    }

    @Test
    void decodesTheNetfilterExtensionWhenFlaggedAndPresent() {
        ByteBuffer data = record(EventSizes.NT_EVENT_EXT_SIZE);
        data.putInt(EventLayout.TRACER, 2);
        data.putShort(EventLayout.FLAGS, (short) EventFlags.EVENT_NETFILTER);
        int nf = EventLayout.EXT;
        data.put(nf + NetfilterLayout.SOURCE, (byte) NetfilterSources.NF_SOURCE_NFTABLES);
        data.put(nf + NetfilterLayout.HOOK, (byte) 2);
        data.put(nf + NetfilterLayout.PF, (byte) Netfilter.NFPROTO_IPV4);
        data.put(nf + NetfilterLayout.TABLE, "filter\0".getBytes(StandardCharsets.US_ASCII));
        data.put(nf + NetfilterLayout.CHAIN, "FORWARD\0".getBytes(StandardCharsets.US_ASCII));
        data.put(nf + NetfilterLayout.HOOK_COUNT, (byte) 2);
        data.putLong(nf + NetfilterLayout.HOOKS, 0xffffffff81f2afe6L);
        data.putLong(nf + NetfilterLayout.HOOKS + 8, 0xffffffffc0a02000L);

        Netfilter netfilter = decoder.decode(data, 0, EventSizes.NT_EVENT_EXT_SIZE).netfilter();

        assertThat(netfilter.source()).isEqualTo(Netfilter.Source.NFTABLES);
        assertThat(netfilter.hookName()).isEqualTo("FORWARD");
        assertThat(netfilter.familyName()).isEqualTo("ipv4");
        assertThat(netfilter.table()).isEqualTo("filter");
        assertThat(netfilter.chain()).isEqualTo("FORWARD");
        assertThat(netfilter.hooks()).containsExactly("nf_hook_slow", "0xffffffffc0a02000");
        assertThat(decoder.decode(data, 0, EventSizes.NT_EVENT_PLAIN_SIZE).hasNetfilter())
                .as("a record cut at the plain size has no extension").isFalse();
    }

    @Test
    void theCapturedBytesAreTheRecordsTail() {
        ByteBuffer data = record(EventSizes.NT_EVENT_CAPTURE_SIZE + 5);
        data.putShort(EventLayout.FLAGS, (short) EventFlags.EVENT_CAPTURE);
        data.putShort(RecordLayout.CAPTURE + CaptureLayout.LENGTH, (short) 5);
        data.putShort(RecordLayout.CAPTURE + CaptureLayout.LINK, (short) Links.LINK_RAW);
        data.putInt(RecordLayout.CAPTURE + CaptureLayout.PACKET_LENGTH, 84);
        data.put(RecordLayout.CAPTURE + CaptureLayout.DATA, new byte[] {0x45, 0, 0, 84, 1});
        Capture capture = decoder.decode(data, 0, EventSizes.NT_EVENT_CAPTURE_SIZE + 5).capture();
        assertThat(capture.link()).isEqualTo(Links.LINK_RAW);
        assertThat(capture.packetLength()).isEqualTo(84);
        assertThat(capture.bytes()).containsExactly(0x45, 0, 0, 84, 1);
    }

    @Test
    void namesAreDecodedOnlyFromARecordThatSaysItHasThem() {
        ByteBuffer data = record(EventSizes.NT_EVENT_BASE_SIZE);
        data.put(EventLayout.COMM, "ping\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(decoder.decode(data, 0, EventSizes.NT_EVENT_BASE_SIZE).command()).isEmpty();
        data.putShort(EventLayout.FLAGS, (short) EventFlags.EVENT_NAMES);
        assertThat(decoder.decode(data, 0, EventSizes.NT_EVENT_PLAIN_SIZE).command()).isEmpty();
        assertThat(decoder.decode(data, 0, EventSizes.NT_EVENT_BASE_SIZE).command()).isEqualTo("ping");
    }

    @Test
    void thirtyTwoBitReturnValuesAreSignExtendedForTheirTracersOnly() {
        ByteBuffer data = record(EventSizes.NT_EVENT_PLAIN_SIZE);
        data.putLong(EventLayout.RET, 0xffffffffL);
        data.putInt(EventLayout.TRACER, 1);
        assertThat(decoder.decode(data, 0, EventSizes.NT_EVENT_PLAIN_SIZE).result()).isEqualTo(-1);
        data.putInt(EventLayout.TRACER, 0);
        assertThat(decoder.decode(data, 0, EventSizes.NT_EVENT_PLAIN_SIZE).result()).isEqualTo(0xffffffffL);
    }

    @Test
    void consecutiveRecordsOfTheSamePacketShareOnePacketAndADifferentOneIsDecodedAfresh() {
        int size = EventSizes.NT_EVENT_PLAIN_SIZE;
        ByteBuffer data = record(3 * size);
        for (int record = 0; record < 3; record++) {
            int pkt = record * size + EventLayout.PKT;
            data.putShort(pkt + PacketLayout.L3_PROTO, (short) Packet.ETH_P_IP);
            data.put(pkt + PacketLayout.L4_PROTO, (byte) Packet.IPPROTO_UDP);
            data.putShort(pkt + PacketLayout.DPORT, (short) (record < 2 ? 53 : 54));
        }
        Packet first = decoder.decode(data, 0, size).packet();
        Packet second = decoder.decode(data, size, size).packet();
        Packet third = decoder.decode(data, 2 * size, size).packet();

        assertThat(second).isSameAs(first);
        assertThat(third).isNotSameAs(first);
        assertThat(third.destinationPort()).isEqualTo(54);
        assertThat(first.destinationPort()).isEqualTo(53);
    }

    /** A plain record of skb with flags and a UDP packet to port; short (no packet) with EVENT_SAME_PACKET. */
    private SkbEvent decodeRecord(long skb, int flags, int port) {
        boolean sameAsKept = (flags & EventFlags.EVENT_SAME_PACKET) != 0;
        int size = sameAsKept ? EventSizes.NT_EVENT_SHORT_SIZE : EventSizes.NT_EVENT_PLAIN_SIZE;
        ByteBuffer data = record(size);
        data.putLong(EventLayout.SKB, skb);
        data.putShort(EventLayout.FLAGS, (short) flags);
        if (!sameAsKept) {
            data.putShort(EventLayout.PKT + PacketLayout.L3_PROTO, (short) Packet.ETH_P_IP);
            data.put(EventLayout.PKT + PacketLayout.L4_PROTO, (byte) Packet.IPPROTO_UDP);
            data.putShort(EventLayout.PKT + PacketLayout.DPORT, (short) port);
        }
        return decoder.decode(data, 0, size);
    }

    @Test
    void aRecordWithoutItsPacketGetsThePacketItsSkbsLastKeptRecordCarried() {
        long first = 0xffff888000000100L;
        long second = 0xffff888000000200L;
        decodeRecord(first, EventFlags.EVENT_LIFE_NEW | EventFlags.EVENT_PACKET_KEPT, 53);
        decodeRecord(second, EventFlags.EVENT_LIFE_NEW | EventFlags.EVENT_PACKET_KEPT, 54);
        // a packet that changed (NAT) is kept in place of the first, a record without the flag is not
        decodeRecord(first, EventFlags.EVENT_PACKET_KEPT, 1053);
        decodeRecord(first, 0, 2053);

        SkbEvent same = decodeRecord(first, EventFlags.EVENT_SAME_PACKET, 0);
        assertThat(same.packet().destinationPort()).isEqualTo(1053);
        // how the ring carried the packet is the decoder's business, not the event's
        assertThat(same.flags()).isZero();
        assertThat(decodeRecord(second, EventFlags.EVENT_SAME_PACKET, 0).packet().destinationPort()).isEqualTo(54);
    }

    @Test
    void aKeptPacketIsForgottenWhenItsSkbsLifeEndsAndAShortRecordWithoutOneSaysUnknown() {
        long skb = 0xffff888000000100L;
        decodeRecord(skb, EventFlags.EVENT_LIFE_NEW | EventFlags.EVENT_PACKET_KEPT, 53);
        decodeRecord(skb, EventFlags.EVENT_LIFE_END, 53);

        Packet orphan = decodeRecord(skb, EventFlags.EVENT_SAME_PACKET, 0).packet();

        assertThat(orphan).isSameAs(EventDecoder.UNKNOWN_PACKET);
        assertThat(orphan.l3Protocol()).isZero();
    }
}
