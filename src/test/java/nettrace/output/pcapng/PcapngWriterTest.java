package nettrace.output.pcapng;

import static nettrace.output.pcapng.PacketBytes.ETHERTYPE_IPV4;
import static nettrace.output.pcapng.PacketBytes.ethernet;
import static nettrace.output.pcapng.PacketBytes.icmpEchoRequest;
import static nettrace.output.pcapng.PacketBytes.ipv4;
import static nettrace.output.pcapng.PacketBytes.ipv6;
import static nettrace.output.pcapng.PacketBytes.tcpSyn;
import static nettrace.output.pcapng.PacketBytes.udp;
import static nettrace.output.pcapng.PcapngWriter.LINKTYPE_ETHERNET;
import static nettrace.output.pcapng.PcapngWriter.LINKTYPE_RAW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import nettrace.testing.Tshark;
import nettrace.testing.Tshark.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapngWriterTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long START = 1_700_000_000L * SECOND + 123_456_789L;
    private static final int SNAP_LENGTH = 128;
    private static final String CLIENT_MAC = "02:00:00:00:00:01";
    private static final String SERVER_MAC = "02:00:00:00:00:02";

    // a DNS query for example.org's A record: header, name, type and class
    private static final byte[] QUERY = HexFormat.of().parseHex(
            "123401000001000000000000" + "076578616d706c65036f726700" + "00010001");

    // odd lengths on purpose: 14 + 20 + 8 + 37 = 79, 40 + 8 + 29 = 77
    private static final byte[] PING = ethernet(SERVER_MAC, CLIENT_MAC, ETHERTYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", icmpEchoRequest(0x4242, 1, bytes(37))));
    private static final byte[] DATAGRAM = ipv6("fd00::1", "fd00::2", udp(40000, 53, QUERY));
    private static final byte[] SYN = ipv4("192.0.2.1", "198.51.100.7", tcpSyn(40001, 80, 0x11223344));

    @TempDir
    Path directory;

    @Test
    void tsharkShowsEachPacketOnItsInterfaceWithItsAddressesCommentsAndTime() throws IOException {
        String longComment = "drop at nf_hook_slow+0x9c: " + "x".repeat(3000);
        Path file = directory.resolve("trace.pcapng");
        try (PcapngWriter writer = writer(file)) {
            int receive = writer.interfaceFor("napi_gro_receive_entry", LINKTYPE_ETHERNET);
            int ipReceive = writer.interfaceFor("ip_rcv", LINKTYPE_RAW);
            writer.packet(receive, START, PING, PING.length, PING.length, List.of("life 42", "netns 4026531840"));
            writer.packet(ipReceive, START + 1, DATAGRAM, DATAGRAM.length, DATAGRAM.length, List.of());
            writer.packet(writer.interfaceFor("ip_rcv", LINKTYPE_RAW), START + SECOND, SYN, SYN.length, SYN.length,
                    List.of("life 7, SYN → 198.51.100.7:80", "règle «drop» d'iptables, 中文"));
            int drop = writer.interfaceFor("kfree_skb", LINKTYPE_RAW);
            writer.packet(drop, START + 2 * SECOND - 1, SYN, SYN.length, SYN.length, List.of(longComment));
        }

        List<Frame> frames = Tshark.reading(file).verifyingChecksums().frames("frame.interface_name",
                "frame.interface_id", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "frame.comment",
                "frame.time_epoch", "frame.len", "ip.checksum.status", "icmp.checksum.status",
                "udp.checksum.status", "tcp.checksum.status");

        assertThat(frames).extracting(frame -> frame.field("frame.interface_name"))
                .containsExactly("napi_gro_receive_entry", "ip_rcv", "ip_rcv", "kfree_skb");
        assertThat(frames).extracting(frame -> frame.field("frame.interface_id")).containsExactly("0", "1", "1", "2");
        assertThat(frames).extracting(frame -> frame.field("ip.src") + frame.field("ipv6.src"))
                .containsExactly("10.0.0.1", "fd00::1", "192.0.2.1", "192.0.2.1");
        assertThat(frames).extracting(frame -> frame.field("ip.dst") + frame.field("ipv6.dst"))
                .containsExactly("10.0.0.2", "fd00::2", "198.51.100.7", "198.51.100.7");
        assertThat(frames).extracting(frame -> frame.all("frame.comment")).containsExactly(
                List.of("life 42", "netns 4026531840"), List.of(),
                List.of("life 7, SYN → 198.51.100.7:80", "règle «drop» d'iptables, 中文"), List.of(longComment));
        assertThat(frames).extracting(frame -> frame.field("frame.time_epoch")).containsExactly(
                "1700000000.123456789", "1700000000.123456790", "1700000001.123456789", "1700000002.123456788");
        assertThat(frames).extracting(frame -> frame.field("frame.len")).containsExactly("79", "77", "40", "40");
        // 1 is "Good": every checksum of every packet was verified and right
        assertThat(frames).extracting(frame -> frame.field("ip.checksum.status") + frame.field("icmp.checksum.status")
                + frame.field("udp.checksum.status") + frame.field("tcp.checksum.status"))
                .containsExactly("11", "1", "11", "11");
        assertThat(Tshark.reading(file).summary()).hasSize(4).noneMatch(line -> line.contains("Malformed")
                || line.contains("Packet size limited"));
    }

    @Test
    void aPacketCutAtTheSnapLengthKeepsItsOriginalLength() throws IOException {
        byte[] syn = ethernet(SERVER_MAC, CLIENT_MAC, ETHERTYPE_IPV4, SYN);
        int captured = 14 + 20 + 10;
        Path file = directory.resolve("cut.pcapng");
        try (PcapngWriter writer = writer(file)) {
            writer.packet(writer.interfaceFor("dev_queue_xmit", LINKTYPE_ETHERNET), START, syn, captured, syn.length,
                    List.of());
        }

        assertThat(Tshark.reading(file).frames("frame.cap_len", "frame.len", "ip.src", "tcp.srcport"))
                .extracting(frame -> List.of(frame.field("frame.cap_len"), frame.field("frame.len"),
                        frame.field("ip.src"), frame.field("tcp.srcport")))
                .containsExactly(List.of("44", "54", "192.0.2.1", "40001"));
        assertThat(Tshark.reading(file).summary()).singleElement()
                .satisfies(line -> assertThat(line).contains("[Packet size limited during capture")
                        .doesNotContain("Malformed"));
    }

    @Test
    void aCommentLongerThanAnOptionHoldsIsCutBeforeTheCharacterThatCrossesTheLimit() throws IOException {
        // "ab" then two-byte characters: the 65536th byte is the second half of one of them
        String comment = "ab" + "é".repeat(40_000);
        Path file = directory.resolve("long.pcapng");
        try (PcapngWriter writer = writer(file)) {
            writer.packet(writer.interfaceFor("ip_rcv", LINKTYPE_RAW), START, SYN, SYN.length, SYN.length,
                    List.of(comment));
        }

        assertThat(Tshark.reading(file).frames("frame.comment")).singleElement()
                .satisfies(frame -> assertThat(frame.field("frame.comment")).isEqualTo("ab" + "é".repeat(32_766)));
    }

    @Test
    void blocksComeInOrderEachWithItsLengthAtBothEnds() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapngWriter writer = new PcapngWriter(out, "nettrace test", "6.18.0", SNAP_LENGTH)) {
            int ip = writer.interfaceFor("ip_rcv", LINKTYPE_RAW);
            writer.packet(ip, START, SYN, SYN.length, SYN.length, List.of("a"));
            writer.packet(writer.interfaceFor("ip_rcv", LINKTYPE_RAW), START, SYN, 39, SYN.length, List.of());
            // the same name on another link type is another interface
            int ethernet = writer.interfaceFor("ip_rcv", LINKTYPE_ETHERNET);
            writer.packet(ethernet, START, PING, PING.length, PING.length, List.of());
            assertThat(List.of(ip, ethernet)).containsExactly(0, 1);
        }

        assertThat(blockTypes(out.toByteArray())).containsExactly(0x0A0D0D0A, 1, 6, 6, 1, 6);
    }

    @Test
    void aPacketThatDoesNotFitItsLengthsOrNamesNoInterfaceIsRefused() {
        try (PcapngWriter writer = new PcapngWriter(OutputStream.nullOutputStream(), "nettrace test", "6.18.0", 40)) {
            int ip = writer.interfaceFor("ip_rcv", LINKTYPE_RAW);
            assertThatThrownBy(() -> writer.packet(ip, START, PING, PING.length, PING.length, List.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snap length 40");
            assertThatThrownBy(() -> writer.packet(ip, START, SYN, SYN.length, SYN.length - 1, List.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("original length 39");
            assertThatThrownBy(() -> writer.packet(ip + 1, START, SYN, SYN.length, SYN.length, List.of()))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    private static PcapngWriter writer(Path file) throws IOException {
        return new PcapngWriter(Files.newOutputStream(file), "nettrace test", "6.18.0", SNAP_LENGTH);
    }

    /** Walks the file block by block, checking the block total length at both ends. */
    private static List<Integer> blockTypes(byte[] file) {
        ByteBuffer bytes = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> types = new ArrayList<>();
        while (bytes.hasRemaining()) {
            int start = bytes.position();
            int type = bytes.getInt(start);
            int length = bytes.getInt(start + 4);
            assertThat(length % 4).as("length of block %d", types.size()).isZero();
            assertThat(bytes.getInt(start + length - 4)).as("trailing length of block %d", types.size())
                    .isEqualTo(length);
            types.add(type);
            bytes.position(start + length);
        }
        assertThat(file).startsWith(0x0A, 0x0D, 0x0D, 0x0A);
        assertThat(ByteBuffer.wrap(file, 8, 4)).isEqualTo(ByteBuffer.wrap(new byte[] {0x4D, 0x3C, 0x2B, 0x1A}));
        return types;
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }
}
