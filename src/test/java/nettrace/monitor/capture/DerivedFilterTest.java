package nettrace.monitor.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import nettrace.config.IpAddress;
import nettrace.monitor.probe.Flow;
import org.junit.jupiter.api.Test;

class DerivedFilterTest {
    private static Flow flow(String source, String destination, int sourcePort, int destinationPort, int etherType,
            int protocol) {
        return new Flow(Optional.of(IpAddress.parse(source, "s")), Optional.of(IpAddress.parse(destination, "d")),
                sourcePort, destinationPort, etherType, protocol, 1);
    }

    @Test
    void udpAndTcpKeepTheDestinationPortNotTheSourcePort() {
        assertThat(DerivedFilter.options(flow("10.0.0.1", "10.0.0.2", 40001, 53, Flow.IPV4, 17)))
                .contains(List.of("-p", "udp", "-s", "10.0.0.1", "-d", "10.0.0.2", "-D", "53"));
        assertThat(DerivedFilter.options(flow("fd00::1", "fd00::2", 40001, 443, Flow.IPV6, 6)))
                .contains(List.of("-p", "tcp", "-s", "fd00:0:0:0:0:0:0:1", "-d", "fd00:0:0:0:0:0:0:2", "-D", "443"));
    }

    @Test
    void icmpHasNoPortsAndAnUnnamedProtocolFallsBackToIp() {
        assertThat(DerivedFilter.options(flow("10.0.0.1", "10.0.0.2", 0, 0, Flow.IPV4, 1)))
                .contains(List.of("-p", "icmp", "-s", "10.0.0.1", "-d", "10.0.0.2"));
        assertThat(DerivedFilter.options(flow("10.0.0.1", "10.0.0.2", 0, 0, Flow.IPV4, 253)))
                .contains(List.of("-p", "ip", "-s", "10.0.0.1", "-d", "10.0.0.2"));
        assertThat(DerivedFilter.options(flow("fd00::1", "fd00::2", 0, 0, Flow.IPV6, 58)))
                .contains(List.of("-p", "icmpv6", "-s", "fd00:0:0:0:0:0:0:1", "-d", "fd00:0:0:0:0:0:0:2"));
    }

    @Test
    void arpIsCapturedByProtocolAndAnUnknownPacketNotAtAll() {
        assertThat(DerivedFilter.options(new Flow(Optional.empty(), Optional.empty(), 0, 0, Flow.ARP, 0, 1)))
                .contains(List.of("-p", "arp"));
        assertThat(DerivedFilter.options(new Flow(Optional.empty(), Optional.empty(), 0, 0, 0x88cc, 0, 1))).isEmpty();
    }
}
