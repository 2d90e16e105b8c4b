package nettrace.monitor.labels;

import nettrace.monitor.probe.DropCount;

/** The names iptables and nft use for netfilter hooks, by family (NFPROTO_*) and hook number. */
final class NetfilterNames {
    private static final int NFPROTO_ARP = 3;
    private static final int NFPROTO_NETDEV = 5;
    private static final String[] INET = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};
    private static final String[] ARP = {"IN", "OUT", "FORWARD"};
    private static final String[] NETDEV = {"INGRESS", "EGRESS"};

    private NetfilterNames() {
    }

    static String hook(DropCount.NetfilterVerdict verdict) {
        if (verdict.source() == DropCount.NetfilterVerdict.Source.NONE) {
            return "";
        }
        String[] names = switch (verdict.family()) {
            case NFPROTO_ARP -> ARP;
            case NFPROTO_NETDEV -> NETDEV;
            default -> INET;
        };
        return verdict.hook() < names.length ? names[verdict.hook()] : "hook " + verdict.hook();
    }

    /** nftables names its base chain; an iptables (legacy) chain is the hook's own. */
    static String chain(DropCount.NetfilterVerdict verdict) {
        return verdict.source() == DropCount.NetfilterVerdict.Source.IPTABLES ? hook(verdict) : verdict.chain();
    }
}
