package nettrace.diag;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.kernel.NetworkNamespaces;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;

/**
 * The finding of a kfree_skb event: where the kernel dropped the packet, its reason, the
 * namespace and device, and advice for that reason at that place, with what the packet's life
 * tells about it (the ICMP error a route sent).
 */
final class DropFinding {
    static final String DROPPED = "packet is dropped by kernel";
    private static final String ROUTE_ERROR = "ip_error";

    private final DropReasons dropReasons;
    private final Supplier<KernelSymbols> symbols;
    private final DropAdvice advice;
    private final Optional<String> netfilterDetailMissing;
    private final NetworkNamespaces namespaces;

    DropFinding(DropReasons dropReasons, Supplier<KernelSymbols> symbols, DropAdvice advice,
            Optional<String> netfilterDetailMissing, NetworkNamespaces namespaces) {
        this.dropReasons = dropReasons;
        this.symbols = symbols;
        this.advice = advice;
        this.netfilterDetailMissing = netfilterDetailMissing;
        this.namespaces = namespaces;
    }

    /** @param life the life the drop ends, or null when the event is judged alone */
    Finding of(Tracer tracer, SkbEvent event, SkbLife life) {
        String message = tracer.rules().stream().filter(r -> r.condition().isAny()).map(Rule::message).findFirst()
                .orElse(DROPPED);
        List<Finding.Detail> details = new ArrayList<>();
        Optional<String> function = Optional.empty();
        if (event.argument() != 0) {
            KernelSymbols kernel = symbols.get();
            details.add(new Finding.Detail("location", List.of(kernel.describe(event.argument()))));
            function = kernel.functionAt(event.argument());
        }
        if (!event.hasDropReason()) {
            return new Finding(Rule.Level.ERROR, message, Optional.empty(), details);
        }
        String reason = dropReasons.name(event.result());
        details.add(new Finding.Detail("drop reason", List.of(reason)));
        if (reason.equals("NETFILTER_DROP") && netfilterDetailMissing.isPresent()) {
            details.add(new Finding.Detail("netfilter", List.of("table, chain and hook functions unknown: "
                    + netfilterDetailMissing.get())));
        }
        Optional<String> benign = function.flatMap(f -> advice.benign(reason, f));
        if (benign.isPresent()) {
            return new Finding(Rule.Level.INFO, "packet is dropped by kernel as expected: " + benign.get(),
                    Optional.empty(), details);
        }
        NetworkNamespaces.Namespace namespace = namespaces.of(Integer.toUnsignedLong(event.netns()));
        details.add(new Finding.Detail("network namespace", List.of(namespace.name()
                + (event.interfaceName().isEmpty() ? "" : ", device " + event.interfaceName()))));
        Optional<String> text = advice.advice(reason, function);
        if (function.filter(ROUTE_ERROR::equals).isPresent()) {
            RouteError route = RouteError.of(life, event);
            details.add(new Finding.Detail("route", List.of(AdviceText.fill(route.description(), event, namespace))));
            text = Optional.of(route.advice());
        }
        return new Finding(Rule.Level.ERROR, message, text.map(t -> AdviceText.fill(t, event, namespace)),
                details);
    }

    /**
     * Why ip_error dropped a packet, from the ICMP error it sent: the route's type decides the
     * code (RTN_UNREACHABLE host unreachable, RTN_PROHIBIT administratively filtered, no route
     * net unreachable); a blackhole route sends none.
     */
    record RouteError(String description, String advice) {
        private static final int DEST_UNREACH = 3;
        private static final int NET_UNREACH = 0;
        private static final int HOST_UNREACH = 1;
        private static final int PKT_FILTERED = 13;
        private static final String CHECK = "check `{in-netns}ip route get <destination>`";

        static RouteError of(SkbLife life, SkbEvent drop) {
            Optional<SkbEvent> icmp = life == null ? Optional.empty() : life.events().stream()
                    .filter(SkbEvent::sentIcmpError).filter(e -> e.timestamp() <= drop.timestamp())
                    .reduce((first, second) -> second);
            if (icmp.isEmpty()) {
                return new RouteError("a blackhole route to <destination> discards it silently (no ICMP error was"
                        + " sent; on a host that does not forward, an unreachable or prohibit route does too)",
                        "the route to <destination> is a blackhole (or unreachable/prohibit) route; " + CHECK
                                + " and remove or fix that route");
            }
            int type = (int) (icmp.get().argument() >> 8) & 0xff;
            int code = (int) icmp.get().argument() & 0xff;
            if (type != DEST_UNREACH) {
                return new RouteError("the route sent ICMP type " + type + " code " + code, CHECK);
            }
            return switch (code) {
                case HOST_UNREACH -> new RouteError("an unreachable route to <destination>: ICMP host unreachable"
                        + " sent back", "the route to <destination> is an `unreachable` route; " + CHECK
                        + " and remove or fix that route");
                case PKT_FILTERED -> new RouteError("a prohibit route to <destination>: ICMP administratively"
                        + " prohibited sent back", "the route to <destination> is a `prohibit` route; " + CHECK
                        + " and remove or fix that route");
                case NET_UNREACH -> new RouteError("no route to <destination>: ICMP net unreachable sent back",
                        "no route matches <destination>; " + CHECK + " and add a route (or a default route)");
                default -> new RouteError("ICMP destination unreachable, code " + code + ", sent back", CHECK);
            };
        }
    }
}
