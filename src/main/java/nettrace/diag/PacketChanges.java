package nettrace.diag;

import java.util.List;
import java.util.Optional;
import nettrace.event.Packet;
import nettrace.event.PacketFormat;
import nettrace.event.SkbEvent;
import nettrace.tracer.Rule;

/**
 * What happened to a packet between two of its events: NAT rewrote its addresses or ports, a
 * tunnel wrapped it in an outer packet or unwrapped it. Told as INFO findings, so a life whose
 * addresses change is not mistaken for two packets.
 */
final class PacketChanges {
    private PacketChanges() {
    }

    /** The finding on `event` about how its packet differs from `previous`'s, if it does. */
    static Optional<Finding> between(SkbEvent previous, SkbEvent event, String tracer) {
        if (!previous.hasInner() && event.hasInner()) {
            return Optional.of(info("encapsulated in " + tunnel(event.packet()) + " at " + tracer));
        }
        if (previous.hasInner() && !event.hasInner()) {
            return Optional.of(info("decapsulated from " + tunnel(previous.packet()) + " at " + tracer));
        }
        Packet before = previous.userPacket();
        Packet after = event.userPacket();
        if (before.l3Protocol() != after.l3Protocol() || before.l4Protocol() != after.l4Protocol()
                || !(after.isIpv4() || after.isIpv6())) {
            return Optional.empty();
        }
        boolean snat = !sameEndpoint(before, after, true);
        boolean dnat = !sameEndpoint(before, after, false);
        if (!snat && !dnat) {
            return Optional.empty();
        }
        String source = PacketFormat.endpoint(before, true);
        String destination = PacketFormat.endpoint(before, false);
        String newSource = PacketFormat.endpoint(after, true);
        String newDestination = PacketFormat.endpoint(after, false);
        if (snat && dnat) {
            return Optional.of(info("SNAT and DNAT " + source + " -> " + destination + " became " + newSource
                    + " -> " + newDestination + " at " + tracer));
        }
        if (dnat) {
            return Optional.of(info("DNAT " + destination + " -> " + newDestination + " at " + tracer));
        }
        if (snat) {
            return Optional.of(info("SNAT " + source + " -> " + newSource + " at " + tracer));
        }
        return Optional.empty();
    }

    /**
     * Same address and (for packets with ports) port on that side, as PacketFormat.endpoint would
     * write them; both packets have the same protocols.
     */
    private static boolean sameEndpoint(Packet before, Packet after, boolean source) {
        long high = source ? before.sourceHigh() : before.destinationHigh();
        long newHigh = source ? after.sourceHigh() : after.destinationHigh();
        boolean sameAddress = after.isIpv4() ? high >>> 32 == newHigh >>> 32
                : high == newHigh && (source ? before.sourceLow() == after.sourceLow()
                        : before.destinationLow() == after.destinationLow());
        return sameAddress && (!after.hasPorts()
                || (source ? before.sourcePort() == after.sourcePort() : before.destinationPort() == after.destinationPort()));
    }

    private static String tunnel(Packet outer) {
        StringBuilder text = new StringBuilder();
        PacketFormat.appendEndpoints(text, outer);
        return text.toString();
    }

    private static Finding info(String message) {
        return new Finding(Rule.Level.INFO, message, Optional.empty(), List.of());
    }
}
