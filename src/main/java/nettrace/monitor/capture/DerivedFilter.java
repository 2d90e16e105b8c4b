package nettrace.monitor.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import nettrace.config.Protocol;
import nettrace.monitor.probe.Flow;

/**
 * The trace filter for a capture, from a dropped packet: its protocol, addresses and destination
 * port, so the diagnosis follows that very traffic. The source port is left out: a client picks a
 * new one for each connection or datagram socket.
 */
public final class DerivedFilter {
    private DerivedFilter() {
    }

    /** nettrace's filter options for packets like sample; empty when nothing narrower than "all" fits. */
    public static Optional<List<String>> options(Flow sample) {
        if (sample.etherType() == Flow.ARP) {
            return Optional.of(List.of("-p", "arp"));
        }
        if (!sample.isIp() || sample.source().isEmpty() || sample.destination().isEmpty()) {
            return Optional.empty();
        }
        List<String> options = new ArrayList<>();
        String protocol = sample.protocolName();
        options.add("-p");
        options.add(Protocol.byName(protocol).isPresent() ? protocol : sample.etherType() == Flow.IPV6 ? "ipv6" : "ip");
        options.addAll(List.of("-s", sample.source().get().toString(), "-d", sample.destination().get().toString()));
        if (sample.carriesPorts() && sample.destinationPort() != 0) {
            options.addAll(List.of("-D", Integer.toString(sample.destinationPort())));
        }
        return Optional.of(List.copyOf(options));
    }
}
