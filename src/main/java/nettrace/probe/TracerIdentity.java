package nettrace.probe;

import nettrace.bpf.TracerFlags;
import nettrace.config.Config;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;

/**
 * The 64-bit value a BPF program learns about the tracer it runs for (patched into clones,
 * or the kprobe cookie): the tracer's id in the low half, enum tracer_flag in the high half.
 */
public final class TracerIdentity {

    private TracerIdentity() {
    }

    public static long of(AttachPlan.Planned planned, Config config) {
        Config.TracerSelection selection = config.tracers();
        String name = planned.tracer().name();
        int flags = 0;
        if (wantsStack(planned, config)) {
            flags |= TracerFlags.TRACER_STACK;
        }
        boolean frees = planned.tracer().analyzer().endsLife() || selection.free().contains(name);
        if (startsReports(planned, config, frees)) {
            flags |= TracerFlags.TRACER_MATCHER;
        }
        if (frees) {
            flags |= TracerFlags.TRACER_FREE;
        }
        if (planned.tracer().analyzer() == Analyzer.DROP) {
            flags |= TracerFlags.TRACER_DROP;
        }
        if (planned.tracer().headersUnwritten()) {
            flags |= TracerFlags.TRACER_HEADERS_UNWRITTEN;
        }
        if (planned.tracer().analyzer() == Analyzer.CLONE && !selection.noClone()) {
            flags |= TracerFlags.TRACER_CLONE;
        }
        return (long) flags << 32 | planned.id();
    }

    /**
     * Whether a hit of this tracer may report an skb no earlier hit reported. With lives followed,
     * a tracer that frees the skb without a drop starts none unless --trace-matcher names it: such a
     * life would be its end alone, and deciding the filter again where the packet is freed (often
     * on the reading process's CPU, past the per-CPU verdict cache) was a third of the cost of
     * tracing packets that match nothing.
     */
    static boolean startsReports(AttachPlan.Planned planned, Config config, boolean frees) {
        Config.TracerSelection selection = config.tracers();
        String name = planned.tracer().name();
        if (!selection.matchers().isEmpty()) {
            return selection.matchers().contains(name);
        }
        return !(config.mode().followsSkb() && frees && planned.tracer().analyzer() != Analyzer.DROP);
    }

    /** --trace-stack names the tracer, or --drop-stack asks for the stack of each drop. */
    static boolean wantsStack(AttachPlan.Planned planned, Config config) {
        return config.tracers().stacks().contains(planned.tracer().name())
                || (config.modes().dropStack() && planned.tracer().analyzer() == Analyzer.DROP);
    }
}
