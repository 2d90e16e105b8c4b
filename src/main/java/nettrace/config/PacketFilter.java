package nettrace.config;

import java.util.Optional;

/**
 * What a packet must look like to be reported; checked in BPF. Zero means "any" for every
 * numeric field; the expression (--filter) is ANDed with the rest.
 */
public record PacketFilter(
        Optional<IpAddress> source,
        Optional<IpAddress> destination,
        Optional<IpAddress> either,
        int sourcePort,
        int destinationPort,
        int eitherPort,
        Optional<Protocol> protocol,
        long netns,
        int pid,
        int minLength,
        int maxLength,
        int tcpFlags,
        Optional<FilterExpression> expression) {

    public static final PacketFilter NONE = new PacketFilter(Optional.empty(), Optional.empty(), Optional.empty(),
            0, 0, 0, Optional.empty(), 0, 0, 0, 0, 0, Optional.empty());

    /** True when the filter selects packets by their headers (not only by namespace or process). */
    public boolean selectsPackets() {
        return source.isPresent() || destination.isPresent() || either.isPresent() || sourcePort != 0
                || destinationPort != 0 || eitherPort != 0 || protocol.isPresent() || maxLength != 0
                || tcpFlags != 0 || expression.isPresent();
    }

    public boolean isEmpty() {
        return !selectsPackets() && netns == 0 && pid == 0;
    }

    /** The ethertype every matching packet has, 0 when several are possible. */
    public int etherType() {
        Optional<IpAddress> address = source.or(() -> destination).or(() -> either);
        if (address.isPresent()) {
            return address.get().isIpv4() ? 0x0800 : 0x86DD;
        }
        return protocol.map(Protocol::etherType).orElse(0);
    }

    public int ipProtocol() {
        if (protocol.isPresent() && protocol.get().isL4()) {
            return protocol.get().ipProtocol();
        }
        return tcpFlags != 0 ? 6 : 0;
    }
}
