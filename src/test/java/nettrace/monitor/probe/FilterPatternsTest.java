package nettrace.monitor.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import nettrace.NettraceException;
import nettrace.config.IpAddress;
import nettrace.config.PacketFilter;
import nettrace.config.Protocol;
import org.junit.jupiter.api.Test;

class FilterPatternsTest {
    private static PacketFilter filter(String source, String either, int destinationPort, int eitherPort,
            String protocol, long netns) {
        return new PacketFilter(Optional.ofNullable(source).map(a -> IpAddress.parse(a, "-s")), Optional.empty(),
                Optional.ofNullable(either).map(a -> IpAddress.parse(a, "--addr")), 0, destinationPort, eitherPort,
                Optional.ofNullable(protocol).map(Protocol::parse), netns, 0, 0, 0, 0, Optional.empty());
    }

    /** The flow struct the kernel would fill for a packet. */
    private static byte[] flow(String source, String destination, int sourcePort, int destinationPort,
            int l4, long netns) {
        ByteBuffer flow = ByteBuffer.allocate(MonitorLayout.FLOW_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        flow.put(MonitorLayout.FLOW_SADDR, IpAddress.parse(source, "s").bytes());
        flow.put(MonitorLayout.FLOW_DADDR, IpAddress.parse(destination, "d").bytes());
        flow.putShort(MonitorLayout.FLOW_SPORT, (short) sourcePort);
        flow.putShort(MonitorLayout.FLOW_DPORT, (short) destinationPort);
        flow.putShort(MonitorLayout.FLOW_L3_PROTO, (short) Flow.IPV4);
        flow.put(MonitorLayout.FLOW_L4_PROTO, (byte) l4);
        flow.putInt(MonitorLayout.FLOW_NETNS, (int) netns);
        return flow.array();
    }

    /** What the BPF side's flow_selected computes. */
    private static boolean selected(List<MonitorLayout.Pattern> patterns, byte[] flow) {
        if (patterns.isEmpty()) {
            return true;
        }
        return patterns.stream().anyMatch(pattern -> {
            for (int i = 0; i < flow.length; i++) {
                if ((flow[i] & pattern.mask()[i]) != pattern.match()[i]) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void noFilterIsNoPattern() {
        assertThat(FilterPatterns.of(PacketFilter.NONE)).isEmpty();
    }

    @Test
    void protocolPortAndNamespaceAreOnePattern() {
        List<MonitorLayout.Pattern> patterns = FilterPatterns.of(filter(null, null, 53, 0, "udp", 4026532000L));
        assertThat(patterns).hasSize(1);
        assertThat(selected(patterns, flow("10.0.0.1", "10.0.0.2", 40000, 53, 17, 4026532000L))).isTrue();
        assertThat(selected(patterns, flow("10.0.0.1", "10.0.0.2", 40000, 53, 6, 4026532000L))).isFalse();
        assertThat(selected(patterns, flow("10.0.0.1", "10.0.0.2", 53, 40000, 17, 4026532000L))).isFalse();
        assertThat(selected(patterns, flow("10.0.0.1", "10.0.0.2", 40000, 53, 17, 4026532001L))).isFalse();
    }

    @Test
    void eitherAddressAndEitherPortMatchBothDirections() {
        List<MonitorLayout.Pattern> patterns = FilterPatterns.of(filter(null, "10.0.0.9", 0, 80, null, 0));
        assertThat(patterns).hasSize(4);
        assertThat(selected(patterns, flow("10.0.0.9", "10.0.0.2", 80, 1234, 6, 1))).isTrue();
        assertThat(selected(patterns, flow("10.0.0.2", "10.0.0.9", 1234, 80, 6, 1))).isTrue();
        assertThat(selected(patterns, flow("10.0.0.2", "10.0.0.9", 80, 1234, 6, 1))).isTrue();
        assertThat(selected(patterns, flow("10.0.0.2", "10.0.0.3", 80, 1234, 6, 1))).isFalse();
        assertThat(selected(patterns, flow("10.0.0.9", "10.0.0.3", 81, 1234, 6, 1))).isFalse();
    }

    @Test
    void anIpv4AddressDoesNotMatchAnIpv6PacketWithTheSameFirstBytes() {
        List<MonitorLayout.Pattern> patterns = FilterPatterns.of(filter("10.0.0.1", null, 0, 0, null, 0));
        byte[] ipv6 = flow("10.0.0.1", "10.0.0.2", 1, 2, 17, 1);
        ByteBuffer.wrap(ipv6).order(ByteOrder.LITTLE_ENDIAN).putShort(MonitorLayout.FLOW_L3_PROTO, (short) Flow.IPV6);
        assertThat(selected(patterns, flow("10.0.0.1", "10.0.0.2", 1, 2, 17, 1))).isTrue();
        assertThat(selected(patterns, ipv6)).isFalse();
    }

    @Test
    void aSourceAddressAndADifferentEitherAddressLeaveOnlyTheDestinationAlternative() {
        List<MonitorLayout.Pattern> patterns = FilterPatterns.of(filter("10.0.0.1", "10.0.0.9", 0, 0, null, 0));
        assertThat(patterns).hasSize(1);
        assertThat(selected(patterns, flow("10.0.0.1", "10.0.0.9", 1, 2, 17, 1))).isTrue();
        assertThat(selected(patterns, flow("10.0.0.9", "10.0.0.1", 1, 2, 17, 1))).isFalse();
    }

    @Test
    void aFilterThatNoPacketCanMatchIsBadInput() {
        PacketFilter impossible = new PacketFilter(Optional.of(IpAddress.parse("10.0.0.1", "-s")), Optional.empty(),
                Optional.empty(), 5, 0, 0, Optional.empty(), 0, 0, 0, 0, 0, Optional.empty());
        PacketFilter alsoImpossible = new PacketFilter(Optional.empty(), Optional.empty(), Optional.empty(), 5, 6, 7,
                Optional.empty(), 0, 0, 0, 0, 0, Optional.empty());
        assertThat(FilterPatterns.of(impossible)).hasSize(1);
        assertThatThrownBy(() -> FilterPatterns.of(alsoImpossible)).isInstanceOf(NettraceException.class)
                .hasMessageContaining("no packet can match");
    }
}
