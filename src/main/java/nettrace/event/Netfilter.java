package nettrace.event;

import java.util.List;

/**
 * What a netfilter analyzer saw: the hook and family, the iptables or nftables table and
 * chain, and (nf_hook_slow) the names of the hook functions registered at the hook.
 */
public record Netfilter(Source source, int hook, int family, String table, String chain, List<String> hooks) {

    /** Which function the details come from. */
    public enum Source { HOOK, IPTABLES, NFTABLES }

    public static final int NFPROTO_INET = 1;
    public static final int NFPROTO_IPV4 = 2;
    public static final int NFPROTO_ARP = 3;
    public static final int NFPROTO_NETDEV = 5;
    public static final int NFPROTO_BRIDGE = 7;
    public static final int NFPROTO_IPV6 = 10;

    private static final List<String> INET_HOOKS = List.of("PRE_ROUTING", "LOCAL_IN", "FORWARD", "LOCAL_OUT",
            "POST_ROUTING");
    private static final List<String> IPTABLES_CHAINS = List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT",
            "POSTROUTING");

    public String familyName() {
        return switch (family) {
            case NFPROTO_INET -> "inet";
            case NFPROTO_IPV4 -> "ipv4";
            case NFPROTO_ARP -> "arp";
            case NFPROTO_NETDEV -> "netdev";
            case NFPROTO_BRIDGE -> "bridge";
            case NFPROTO_IPV6 -> "ipv6";
            default -> "family " + family;
        };
    }

    /** The kernel's name for the hook: PRE_ROUTING, LOCAL_IN, FORWARD, ... */
    public String hookName() {
        return switch (family) {
            case NFPROTO_NETDEV -> hook == 0 ? "INGRESS" : hook == 1 ? "EGRESS" : "hook " + hook;
            case NFPROTO_ARP -> hook == 0 ? "IN" : hook == 1 ? "OUT" : hook == 2 ? "FORWARD" : "hook " + hook;
            case NFPROTO_BRIDGE -> hook == 5 ? "BROUTING" : named(INET_HOOKS);
            default -> named(INET_HOOKS);
        };
    }

    /** The built-in iptables chain of the hook: PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING. */
    public String iptablesChain() {
        return named(IPTABLES_CHAINS);
    }

    private String named(List<String> names) {
        return hook >= 0 && hook < names.size() ? names.get(hook) : "hook " + hook;
    }
}
