package nettrace.trace;

import java.util.HashSet;
import java.util.Set;
import nettrace.bpf.Links;
import nettrace.config.FilterExpression;
import nettrace.config.IpAddress;
import nettrace.config.PacketFilter;
import nettrace.event.Capture;
import nettrace.event.EventSink;
import nettrace.event.ForwardingSink;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;

/**
 * A replay's own selection, as a live run of its mode would have made it: the events of tracers
 * in the mode's part of the tree only (--drop: the kfree_skb tracers), and its filters as the BPF side applies
 * them: every event on its own in the modes that do not follow skbs; in those that do, a life is
 * kept from its first event on when that event matches (a followed packet may be NATed out of
 * the filter later), with its clones, and a normal free starts none.
 */
final class ReplayFilter extends ForwardingSink {
    private final String tracerPart;
    private final PacketFilter filter;
    private final boolean followsSkb;
    private final Set<Long> followed = new HashSet<>();

    ReplayFilter(String tracerPart, PacketFilter filter, boolean followsSkb, EventSink next) {
        super(next);
        this.tracerPart = tracerPart;
        this.filter = filter;
        this.followsSkb = followsSkb;
    }

    @Override
    public void accept(SkbEvent event) {
        if (!event.tracer().servesMode(tracerPart)) {
            return;
        }
        boolean unfiltered = filter.isEmpty() && filter.expression().isEmpty();
        if (!followsSkb) {
            if (unfiltered || matches(event)) {
                next.accept(event);
            }
            return;
        }
        boolean known = followed.contains(event.skb()) && !event.startsLife();
        if (!known && (startsNoLife(event) || !(unfiltered || matches(event)))) {
            followed.remove(event.skb());
            return;
        }
        followed.add(event.skb());
        if (event.madeClone()) {
            followed.add(event.cloneAddress());
        }
        if (event.endsLife()) {
            followed.remove(event.skb());
        }
        next.accept(event);
    }

    /** A normal free starts no life, as in a live run without --trace-matcher (TracerIdentity). */
    private static boolean startsNoLife(SkbEvent event) {
        return event.endsLife() && !event.isDrop() && !event.startsLife();
    }

    private boolean matches(SkbEvent event) {
        if (filter.netns() != 0 && event.netnsInode() != filter.netns()) {
            return false;
        }
        if (filter.pid() != 0 && event.pid() != filter.pid()) {
            return false;
        }
        return (matches(event.packet()) || (event.hasInner() && matches(event.inner()))) && expressionHolds(event);
    }

    /**
     * --filter on the event's captured bytes (a record taken with --output pcapng holds them);
     * an event without them cannot be judged, and is left out.
     */
    private boolean expressionHolds(SkbEvent event) {
        if (filter.expression().isEmpty()) {
            return true;
        }
        Capture capture = event.capture();
        if (capture == null) {
            return false;
        }
        FilterExpression expression = filter.expression().get();
        if (capture.link() == Links.LINK_ETHERNET) {
            return ClassicBpf.accepts(expression.ethernet(), capture.bytes(), capture.packetLength());
        }
        return expression.rawIp().map(program -> ClassicBpf.accepts(program, capture.bytes(), capture.packetLength()))
                .orElse(false);
    }

    /** packet_matches of bpf/nettrace.bpf.c, on a decoded packet. */
    private boolean matches(Packet packet) {
        int etherType = filter.etherType();
        if (etherType != 0 && packet.l3Protocol() != etherType) {
            return false;
        }
        int l4 = filter.ipProtocol();
        if (l4 != 0 && packet.l4Protocol() != l4) {
            return false;
        }
        if (filter.source().isPresent() && !same(filter.source().get(), packet, true)) {
            return false;
        }
        if (filter.destination().isPresent() && !same(filter.destination().get(), packet, false)) {
            return false;
        }
        if (filter.either().isPresent() && !same(filter.either().get(), packet, true)
                && !same(filter.either().get(), packet, false)) {
            return false;
        }
        boolean ports = filter.sourcePort() != 0 || filter.destinationPort() != 0 || filter.eitherPort() != 0;
        if (ports && !packet.hasPorts()) {
            return false;
        }
        if (filter.sourcePort() != 0 && packet.sourcePort() != filter.sourcePort()
                || filter.destinationPort() != 0 && packet.destinationPort() != filter.destinationPort()
                || filter.eitherPort() != 0 && packet.sourcePort() != filter.eitherPort()
                        && packet.destinationPort() != filter.eitherPort()) {
            return false;
        }
        if (filter.maxLength() != 0 && (!(packet.isIpv4() || packet.isIpv6())
                || packet.ipLength() < filter.minLength() || packet.ipLength() > filter.maxLength())) {
            return false;
        }
        return filter.tcpFlags() == 0
                || packet.l4Protocol() == Packet.IPPROTO_TCP && (packet.tcpFlags() & filter.tcpFlags()) != 0;
    }

    private static boolean same(IpAddress address, Packet packet, boolean source) {
        if (address.isIpv4() != packet.isIpv4() || !(packet.isIpv4() || packet.isIpv6())) {
            return false;
        }
        long[] wanted = nettrace.event.Addresses.parseIp(address.toString());
        return wanted[0] == (source ? packet.sourceHigh() : packet.destinationHigh())
                && wanted[1] == (source ? packet.sourceLow() : packet.destinationLow());
    }
}
