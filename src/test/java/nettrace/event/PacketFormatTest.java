package nettrace.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PacketFormatTest {
    private static long v4(int a, int b, int c, int d) {
        return ((long) a << 56) | ((long) b << 48) | ((long) c << 40) | ((long) d << 32);
    }

    private static Packet ip(int l3, int l4, long sh, long sl, long dh, long dl, int sport, int dport, long seq,
            long ack, int flags, int icmpType, int icmpCode, int icmpId, int icmpSeq) {
        return new Packet(l3, l4, sh, sl, dh, dl, sport, dport, seq, ack, flags, 60, 0, icmpType, icmpCode, icmpId,
                icmpSeq, 0, 0);
    }

    @Test
    void tcpShowsPortsSequenceAndFlagsInUpstreamOrder() {
        Packet packet = ip(Packet.ETH_P_IP, Packet.IPPROTO_TCP, v4(10, 0, 0, 1), 0, v4(10, 0, 0, 2), 0, 40000, 80,
                1, 0, Packet.TCP_SYN | Packet.TCP_ACK | Packet.TCP_FIN, 0, 0, 0, 0);
        assertThat(PacketFormat.format(packet))
                .isEqualTo("TCP: 10.0.0.1:40000 -> 10.0.0.2:80 seq:1, ack:0, flags:SAF");
    }

    @Test
    void udp() {
        Packet packet = ip(Packet.ETH_P_IP, Packet.IPPROTO_UDP, v4(10, 0, 0, 1), 0, v4(10, 0, 0, 2), 0, 5353, 53,
                0, 0, 0, 0, 0, 0, 0);
        assertThat(PacketFormat.format(packet)).isEqualTo("UDP: 10.0.0.1:5353 -> 10.0.0.2:53");
    }

    private static Packet fragment(Packet whole, int field) {
        return new Packet(whole.l3Protocol(), whole.l4Protocol(), whole.sourceHigh(), 0, whole.destinationHigh(), 0,
                whole.sourcePort(), whole.destinationPort(), 0, 0, 0, 1500, 0, whole.icmpType(), 0, whole.icmpId(),
                whole.icmpSequence(), 0, 0, field, 4520);
    }

    @Test
    void aFirstFragmentShowsItsTransportHeaderAndALaterOneOnlyItsPlace() {
        Packet echo = ip(Packet.ETH_P_IP, Packet.IPPROTO_ICMP, v4(10, 1, 0, 2), 0, v4(10, 2, 0, 2), 0, 0, 0, 0, 0,
                0, 8, 0, 4520, 1);
        assertThat(PacketFormat.format(fragment(echo, 0x2000)))
                .isEqualTo("ICMP: 10.1.0.2 -> 10.2.0.2 ping request, seq: 1, id: 4520 (first fragment of id 4520,"
                        + " more follow)");
        assertThat(PacketFormat.format(fragment(echo, 0x2000 | 185)))
                .isEqualTo("ICMP: 10.1.0.2 -> 10.2.0.2 fragment of id 4520, offset: 1480, more follow");
        Packet udp = ip(Packet.ETH_P_IP, Packet.IPPROTO_UDP, v4(10, 0, 0, 1), 0, v4(10, 0, 0, 2), 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0);
        Packet last = fragment(udp, 370);
        assertThat(PacketFormat.format(last)).isEqualTo("UDP: 10.0.0.1 -> 10.0.0.2 fragment of id 4520, offset: 2960,"
                + " the last");
        assertThat(last.hasPorts()).isFalse();
        assertThat(fragment(udp, 0x2000).hasPorts()).isTrue();
    }

    @Test
    void icmpEchoAndOtherTypes() {
        Packet echo = ip(Packet.ETH_P_IP, Packet.IPPROTO_ICMP, v4(192, 168, 122, 8), 0, v4(10, 123, 119, 98), 0,
                0, 0, 0, 0, 0, 8, 0, 77, 0);
        assertThat(PacketFormat.format(echo))
                .isEqualTo("ICMP: 192.168.122.8 -> 10.123.119.98 ping request, seq: 0, id: 77");
        Packet reply = ip(Packet.ETH_P_IP, Packet.IPPROTO_ICMP, v4(1, 1, 1, 1), 0, v4(2, 2, 2, 2), 0, 0, 0, 0, 0,
                0, 0, 0, 5, 3);
        assertThat(PacketFormat.format(reply)).isEqualTo("ICMP: 1.1.1.1 -> 2.2.2.2 ping reply, seq: 3, id: 5");
        Packet unreachable = ip(Packet.ETH_P_IP, Packet.IPPROTO_ICMP, v4(1, 1, 1, 1), 0, v4(2, 2, 2, 2), 0, 0, 0,
                0, 0, 0, 3, 3, 0, 0);
        assertThat(PacketFormat.format(unreachable)).isEqualTo("ICMP: 1.1.1.1 -> 2.2.2.2 type: 3, code: 3");
    }

    @Test
    void ipv6AddressesAreCompressed() {
        Packet packet = ip(Packet.ETH_P_IPV6, Packet.IPPROTO_ICMPV6, 0xfd00_0000_0000_0000L, 1L,
                0xfe80_0000_0000_0000L, 0x0211_22ff_fe33_4455L, 0, 0, 0, 0, 0, 128, 0, 9, 2);
        assertThat(PacketFormat.format(packet))
                .isEqualTo("ICMPv6: fd00::1 -> fe80::211:22ff:fe33:4455 ping request, seq: 2, id: 9");
    }

    @Test
    void ipv6LongestZeroRunOnlyAndNotASingleGroup() {
        StringBuilder text = new StringBuilder();
        Addresses.appendIpv6(text, 0x2001_0db8_0000_0001L, 0x0000_0000_0000_0001L);
        assertThat(text).hasToString("2001:db8:0:1::1");
        text.setLength(0);
        Addresses.appendIpv6(text, 0x2001_0db8_0001_0001L, 0x0001_0001_0000_0001L);
        assertThat(text).hasToString("2001:db8:1:1:1:1:0:1");
        text.setLength(0);
        Addresses.appendIpv6(text, 0, 0);
        assertThat(text).hasToString("::");
    }

    @Test
    void arpRequestAndReply() {
        Packet request = new Packet(Packet.ETH_P_ARP, 0, v4(10, 0, 0, 1), 0, v4(10, 0, 0, 2), 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 1, 0xaabbccddeeffL);
        assertThat(PacketFormat.format(request)).isEqualTo("ARP: who has 10.0.0.2, tell 10.0.0.1");
        Packet reply = new Packet(Packet.ETH_P_ARP, 0, v4(10, 0, 0, 2), 0, v4(10, 0, 0, 1), 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 2, 0xaabbccddee0fL);
        assertThat(PacketFormat.format(reply)).isEqualTo("ARP: 10.0.0.2 is at aa:bb:cc:dd:ee:0f");
    }

    @Test
    void otherEtherTypesAndVlanTags() {
        Packet lldp = new Packet(0x88cc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(PacketFormat.format(lldp)).isEqualTo("ether protocol: 0x88cc");
        Packet tagged = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_UDP, v4(1, 2, 3, 4), 0, v4(5, 6, 7, 8), 0, 1, 2,
                0, 0, 0, 28, 0x2064, 0, 0, 0, 0, 0, 0);
        assertThat(PacketFormat.format(tagged)).isEqualTo("vlan:100 UDP: 1.2.3.4:1 -> 5.6.7.8:2");
    }
}
