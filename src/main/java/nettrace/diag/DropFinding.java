package nettrace.diag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import nettrace.event.Outcome;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.kernel.KernelSymbols;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Rule;

/**
 * The finding of a kfree_skb event: where the kernel dropped the packet, its reason, the
 * namespace and device, and advice for that reason at that place, with what the packet's life
 * tells about it (the ICMP error a route sent, the loop it went round).
 */
final class DropFinding {
    static final String DROPPED = "packet is dropped by kernel";
    private static final String ROUTE_ERROR = "ip_error";
    private static final String OTHER_HOST = "OTHERHOST";
    private static final String RECEIVED = "netif_receive_skb";
    /*
     * A bridge floods a frame whose destination it has not learned (or has forgotten: MAC entries
     * age out) to every port; each host it was not addressed to drops its copy as OTHERHOST.
     */
    private static final String FLOODED_COPY = "a copy sent to several ports (a bridge flooding a destination it"
            + " has not learned) reached a host it was not addressed to; another copy was received and consumed";

    private final DropAdvice advice;
    private final Optional<String> netfilterDetailMissing;

    DropFinding(DropAdvice advice, Optional<String> netfilterDetailMissing) {
        this.advice = advice;
        this.netfilterDetailMissing = netfilterDetailMissing;
    }

    /**
     * @param life the life the drop ends, or null when the event is judged alone; where the drop read
     *             no namespace (TCP's receive path has let go of the device), the life's last place is
     *             the drop's
     */
    Finding of(SkbEvent dropEvent, SkbLife life) {
        SkbEvent event = dropEvent.netns().inode() == 0 ? lastPlaced(dropEvent, life) : dropEvent;
        Outcome.Dropped drop = event.drop();
        String message = event.tracer().rules().stream().filter(r -> r.condition().isAny()).map(Rule::message)
                .findFirst().orElse(DROPPED);
        List<Finding.Detail> details = new ArrayList<>();
        Optional<String> function = Optional.empty();
        if (drop.location() != null) {
            details.add(new Finding.Detail("location", List.of(drop.location().text())));
            function = Optional.of(drop.location().function()).filter(name -> !name.isEmpty())
                    .map(KernelSymbols::plainName);
        }
        if (!drop.reasonKnown()) {
            return new Finding(Rule.Level.ERROR, message, Optional.empty(), details);
        }
        String reason = drop.reason();
        details.add(new Finding.Detail("drop reason", List.of(reason)));
        if (reason.equals("NETFILTER_DROP") && netfilterDetailMissing.isPresent()) {
            details.add(new Finding.Detail("netfilter", List.of("table, chain and hook functions unknown: "
                    + netfilterDetailMissing.get())));
        }
        // a frag_list member's drop is its parent's: judged by what the parent held
        Packet judged = event.outcome() instanceof Outcome.FreedWithParent freed && freed.parentPacket() != null
                ? freed.parentPacket() : event.userPacket();
        Optional<String> benign = function.flatMap(f -> advice.benign(reason, f, judged))
                .or(() -> reason.equals(OTHER_HOST) && anotherCopyReceived(event, life)
                        ? Optional.of(FLOODED_COPY) : Optional.empty());
        if (benign.isPresent()) {
            return new Finding(Rule.Level.INFO, "packet is dropped by kernel as expected: " + benign.get(),
                    Optional.empty(), details);
        }
        details.add(new Finding.Detail("network namespace", List.of(event.netns().name()
                + (event.interfaceName().isEmpty() ? "" : ", device " + event.interfaceName()))));
        Optional<String> text = advice.advice(reason, function);
        if (function.filter(ROUTE_ERROR::equals).isPresent()) {
            RouteError route = RouteError.of(life, event);
            details.add(new Finding.Detail("route", List.of(AdviceText.fill(route.description(), event))));
            text = Optional.of(route.advice());
        }
        Optional<ForwardingLoop> loop = ForwardingLoop.at(function, reason, life, event);
        if (loop.isPresent()) {
            details.add(new Finding.Detail("path", List.of(AdviceText.fill(loop.get().description(), event))));
            text = Optional.of(loop.get().advice());
        }
        return new Finding(Rule.Level.ERROR, message, text.map(t -> AdviceText.fill(t, event)), details);
    }

    /**
     * True when another skb of the life (a copy) was received by a host and ended consumed there. A
     * capture's clone (a packet socket's) is made after receiving, so it has no receive of its own.
     */
    private static boolean anotherCopyReceived(SkbEvent drop, SkbLife life) {
        if (life == null) {
            return false;
        }
        Set<Long> received = new HashSet<>();
        Map<Long, SkbEvent> last = new HashMap<>();
        for (SkbEvent event : life.events()) {
            if (event.skb() == drop.skb()) {
                continue;
            }
            if (event.tracer().name().equals(RECEIVED)) {
                received.add(event.skb());
            }
            last.put(event.skb(), event);
        }
        return received.stream().anyMatch(skb -> last.get(skb).outcome() instanceof Outcome.Consumed);
    }

    private static SkbEvent lastPlaced(SkbEvent drop, SkbLife life) {
        if (life == null) {
            return drop;
        }
        List<SkbEvent> events = life.events();
        for (int i = events.size() - 1; i >= 0; i--) { // indexed: see DiagnosedLife.worst
            SkbEvent before = events.get(i);
            if (before.skb() == drop.skb() && before.timestamp() <= drop.timestamp() && before.netns().inode() != 0) {
                return drop.placedAs(before);
            }
        }
        return drop;
    }

    /**
     * Why ip_error dropped a packet, from the ICMP error it sent: the route's type decides the
     * code (RTN_UNREACHABLE host unreachable, RTN_PROHIBIT administratively filtered, no route
     * net unreachable); a blackhole route sends none, nor does ip_error once its errors are rate-limited.
     * A policy rule's action makes the same errors (unreachable: net unreachable, prohibit,
     * blackhole), so the lookup to repeat is the kernel's own: from the source, in at the device.
     */
    record RouteError(String description, String advice) {
        private static final int DEST_UNREACH = 3;
        private static final int NET_UNREACH = 0;
        private static final int HOST_UNREACH = 1;
        private static final int PKT_FILTERED = 13;
        private static final String CHECK = "check `{in-netns}ip route get <destination> from <source> iif"
                + " <interface>` (the lookup the kernel made, policy rules included: `{in-netns}ip rule`)";
        /* ip_error's reasons: the incoming device does not forward; no route (ENETUNREACH) */
        private static final String NOT_FORWARDED = "IP_INADDRERRORS";
        private static final String NO_ROUTE = "IP_INNOROUTES";

        static RouteError of(SkbLife life, SkbEvent drop) {
            String reason = drop.drop().reason();
            if (reason.equals(NOT_FORWARDED)) {
                return new RouteError("this host does not forward IPv4 packets that arrive on <interface>, and"
                        + " <destination> is not one of its addresses",
                        "if this host routes, turn forwarding on: `{in-netns}sysctl -w net.ipv4.ip_forward=1` (or"
                                + " net.ipv4.conf.<interface>.forwarding); else the sender's route to <destination> is"
                                + " wrong");
            }
            Optional<Outcome.IcmpErrorSent> icmp = life == null ? Optional.empty() : life.events().stream()
                    .filter(e -> e.timestamp() <= drop.timestamp())
                    .filter(e -> e.outcome() instanceof Outcome.IcmpErrorSent)
                    .map(e -> (Outcome.IcmpErrorSent) e.outcome()).reduce((first, second) -> second);
            if (icmp.isEmpty() && reason.equals(NO_ROUTE)) {
                return new RouteError("no route to <destination>, or an `unreachable` policy rule (its ICMP net"
                        + " unreachable was rate-limited: a few a second to each source)", "no route matches"
                        + " <destination>, or a rule refuses it; " + CHECK + " and add a route (or a default route)"
                        + " or fix the rule");
            }
            if (icmp.isEmpty()) {
                return new RouteError("a blackhole route to <destination> (or a `blackhole` policy rule) discards it"
                        + " without an ICMP error, and so does an unreachable or prohibit one once its ICMP errors are rate-limited"
                        + " (a few a second to each source), or any route on a host that does not forward: the route's"
                        + " type and net.ipv4.ip_forward tell which",
                        "the route or rule for <destination> is a blackhole, unreachable or prohibit one, or this host"
                                + " does not forward (`{in-netns}sysctl net.ipv4.ip_forward`); " + CHECK
                                + " and remove or fix that route or rule");
            }
            if (icmp.get().type() != DEST_UNREACH) {
                return new RouteError("the route sent ICMP " + icmp.get().name(), CHECK);
            }
            return switch (icmp.get().code()) {
                case HOST_UNREACH -> new RouteError("an unreachable route to <destination>: ICMP host unreachable"
                        + " sent back", "the route to <destination> is an `unreachable` route; " + CHECK
                        + " and remove or fix that route");
                case PKT_FILTERED -> new RouteError("a prohibit route to <destination>, or a `prohibit` policy"
                        + " rule: ICMP administratively prohibited sent back", "the route to <destination> is a"
                        + " `prohibit` route, or a rule prohibits it; " + CHECK + " and remove or fix that route or rule");
                case NET_UNREACH -> new RouteError("no route to <destination>, or an `unreachable` policy rule: ICMP"
                        + " net unreachable sent back", "no route matches <destination>, or a rule refuses it; " + CHECK
                        + " and add a route (or a default route) or fix the rule");
                default -> new RouteError("ICMP " + icmp.get().name() + " sent back", CHECK);
            };
        }
    }
}
