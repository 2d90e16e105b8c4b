package nettrace.tracer;

import java.util.List;
import java.util.Optional;

/**
 * A leaf of the tracer tree: one kernel function and/or tracepoint to attach to.
 *
 * @param functions     kernel function names, tried in order; empty for tracepoint-only tracers
 * @param argument      index of the function's struct sk_buff * (or struct sock *) argument
 * @param sockArgument  true when that argument is a struct sock *
 * @param tracepoint    "category:name" alternative, when the kernel has one
 * @param program       BPF program family for a tracer with its own analysis (its argument layout,
 *                      its extension): tp_PROGRAM, {fentry,kprobe}_wait_PROGRAM_N; empty: the generic one
 * @param modes         the only modes it belongs to (e.g. "sock"); empty means the skb modes
 * @param headersUnwritten the function writes its packet's headers itself: at its entry they are not
 *                      yet the packet's (udp_send_skb), so its hits are not parsed
 */
public record Tracer(
        String name,
        String group,
        List<String> functions,
        int argument,
        boolean sockArgument,
        Optional<String> tracepoint,
        Optional<String> program,
        Analyzer analyzer,
        List<Rule> rules,
        boolean defaultOn,
        List<String> modes,
        boolean headersUnwritten) {

    public boolean hasFunction() {
        return !functions.isEmpty();
    }

    /** The tracepoint's name without its category ("kfree_skb" for "skb:kfree_skb"). */
    public Optional<String> tracepointName() {
        return tracepoint.map(tp -> tp.substring(tp.indexOf(':') + 1));
    }

    /**
     * Whether a mode using this part of the tree (config.Mode's tracer part: "skb", "sock",
     * "drop" for the kfree_skb tracers alone...) may have this tracer.
     */
    public boolean servesMode(String part) {
        if (part.equals("drop")) {
            return analyzer == Analyzer.DROP;
        }
        return modes.isEmpty() ? part.equals("skb") : modes.contains(part);
    }

    /** True when a rule or the analyzer needs the traced function's return value. */
    public boolean needsReturnValue() {
        return analyzer == Analyzer.RET || analyzer == Analyzer.CLONE || analyzer == Analyzer.NF
                || analyzer == Analyzer.IPTABLE || rules.stream().anyMatch(rule -> !rule.condition().isAny());
    }
}
