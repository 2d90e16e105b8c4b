package nettrace.monitor.probe;

/**
 * One key of the kernel's drop counters and its counts summed over CPUs.
 *
 * @param lastSeen the kernel's jiffies at the latest drop, whose packet is the sample
 */
public record DropCount(Key key, long packets, long bytes, long lastSeen, Flow sample) {

    /**
     * A drop reason at a code location in a namespace, on an interface, for a protocol, with the
     * netfilter verdict that caused it if any.
     *
     * @param location      kfree_skb's caller address
     * @param reason        the kernel's enum skb_drop_reason value (0 on kernels without reasons)
     * @param interfaceName the skb's device, empty when it had none
     */
    public record Key(long location, long reason, long netns, String interfaceName, int etherType, int ipProtocol,
            NetfilterVerdict netfilter) {
    }

    /** The netfilter table (and, for nftables, base chain) whose DROP verdict freed the skb. */
    public record NetfilterVerdict(Source source, int hook, int family, String table, String chain) {
        public static final NetfilterVerdict NONE = new NetfilterVerdict(Source.NONE, 0, 0, "", "");

        /** enum mon_netfilter_source */
        public enum Source { NONE, IPTABLES, NFTABLES }
    }
}
