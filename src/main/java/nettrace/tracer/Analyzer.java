package nettrace.tracer;

import java.util.Locale;

/** What a tracer's events mean beyond "the packet passed here" (SPEC §2). */
public enum Analyzer {
    /** a plain hit */
    DEFAULT,
    /** the function's return value matters (rules test it) */
    RET,
    /** kfree_skb: the skb is dropped, with a reason and a location */
    DROP,
    /** the skb is freed normally */
    FREE,
    /** the function returns a clone of its skb */
    CLONE,
    /** ipt_do_table / nft_do_chain: table and chain of a netfilter verdict */
    IPTABLE,
    /** nf_hook_slow: the hook, the family and the verdict */
    NF,
    /** qdisc enqueue/dequeue */
    QDISC,
    /** a TCP reset is sent */
    RESET,
    /** TCP round-trip time sample */
    RTT;

    public static Analyzer parse(String text) {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
    }

    /** True when this analyzer ends the skb's life. */
    public boolean endsLife() {
        return this == DROP || this == FREE;
    }
}
