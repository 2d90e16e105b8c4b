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
        if (selection.isMatcher(name)) {
            flags |= TracerFlags.TRACER_MATCHER;
        }
        if (planned.tracer().analyzer().endsLife() || selection.free().contains(name)) {
            flags |= TracerFlags.TRACER_FREE;
        }
        if (planned.tracer().analyzer() == Analyzer.DROP) {
            flags |= TracerFlags.TRACER_DROP;
        }
        if (planned.tracer().analyzer() == Analyzer.CLONE && !selection.noClone()) {
            flags |= TracerFlags.TRACER_CLONE;
        }
        return (long) flags << 32 | planned.id();
    }

    /** --trace-stack names the tracer, or --drop-stack asks for the stack of each drop. */
    static boolean wantsStack(AttachPlan.Planned planned, Config config) {
        return config.tracers().stacks().contains(planned.tracer().name())
                || (config.modes().dropStack() && planned.tracer().analyzer() == Analyzer.DROP);
    }
}
