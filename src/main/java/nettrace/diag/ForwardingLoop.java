package nettrace.diag;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import nettrace.event.SkbEvent;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.lifecycle.SkbLife;

/**
 * Why a forwarded packet's TTL (IPv6: hop limit) ran out, from the places its life was received
 * at: one received more than once means the packet went round a routing loop; none means it
 * left its sender with too low a TTL for the path (traceroute's probes do so on purpose).
 */
record ForwardingLoop(String description, String advice) {
    private static final String RECEIVED = "netif_receive_skb";

    /** A device in a namespace, where the packet was received (a hit names its device by index). */
    private record Place(Namespace netns, int interfaceIndex) {
        String text() {
            return "ifindex " + interfaceIndex + " in " + netns.name();
        }
    }

    static ForwardingLoop of(SkbLife life, SkbEvent drop, boolean ipv6) {
        String limit = ipv6 ? "hop limit" : "TTL";
        String route = ipv6 ? "ip -6 route get <destination>" : "ip route get <destination>";
        Map<Place, Integer> received = new LinkedHashMap<>();
        if (life != null) {
            for (SkbEvent event : life.events()) {
                if (event.timestamp() <= drop.timestamp() && event.tracer().name().equals(RECEIVED)) {
                    received.merge(new Place(event.netns(), event.interfaceIndex()), 1, Integer::sum);
                }
            }
        }
        List<Map.Entry<Place, Integer>> repeated = received.entrySet().stream().filter(e -> e.getValue() > 1)
                .toList();
        if (repeated.isEmpty()) {
            return new ForwardingLoop("its " + limit + " ran out while being forwarded, and it went round no loop"
                    + (received.isEmpty() ? "" : " (received once at each place on its path)")
                    + ": it left its sender with a " + limit + " too low for the path (traceroute's probes do so on"
                    + " purpose)", "raise the sender's " + limit + (ipv6 ? " (net.ipv6.conf.all.hop_limit" :
                    " (net.ipv4.ip_default_ttl") + ", or the application's own); `{in-netns}" + route
                    + "` shows where this router sends it");
        }
        String rounds = repeated.stream().map(e -> e.getValue() + " times on " + e.getKey().text())
                .collect(Collectors.joining(", "));
        List<Namespace> namespaces = repeated.stream().map(e -> e.getKey().netns()).distinct().toList();
        String names = namespaces.stream().map(Namespace::name).collect(Collectors.joining(" and "));
        String checks = namespaces.stream().map(ns -> "`" + ns.commandPrefix() + route + "`")
                .collect(Collectors.joining(", "));
        return new ForwardingLoop("a routing loop: it went round until its " + limit + " ran out, received "
                + rounds, (namespaces.size() > 1 ? "the routes to <destination> in " + names + " send it back"
                        + " and forth" : "the route to <destination> in " + names + " sends it back where it came from")
                + "; check " + checks + " and fix the route that should not send it back");
    }

    /** The forwarding loop's finding for a TTL drop at this function, if it is one. */
    static Optional<ForwardingLoop> at(Optional<String> function, String reason, SkbLife life, SkbEvent drop) {
        if (!reason.equals("IP_INHDR")) {
            return Optional.empty();
        }
        return function.filter(f -> f.equals("ip_forward") || f.equals("ip6_forward"))
                .map(f -> of(life, drop, f.equals("ip6_forward")));
    }
}
