package nettrace.probe;

import nettrace.config.Config;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;

/**
 * The 64-bit value a BPF program learns about the tracer it runs for (patched into clones,
 * or the kprobe cookie): the tracer's id in the low half, enum tracer_flag in the high half.
 */
public final class TracerIdentity {
    /** TRACER_PLACEHOLDER in bpf/nettrace.h */
    public static final long PLACEHOLDER = 0x7eadbeefcafe1234L;

    static final int MATCHER = 1;
    static final int FREE = 1 << 1;
    static final int CLONE = 1 << 2;
    static final int STACK = 1 << 3;
    static final int DROP = 1 << 4;

    private TracerIdentity() {
    }

    public static long of(AttachPlan.Planned planned, Config config) {
        Config.TracerSelection selection = config.tracers();
        String name = planned.tracer().name();
        int flags = 0;
        if (wantsStack(planned, config)) {
            flags |= STACK;
        }
        if (selection.isMatcher(name)) {
            flags |= MATCHER;
        }
        if (planned.tracer().analyzer().endsLife() || selection.free().contains(name)) {
            flags |= FREE;
        }
        if (planned.tracer().analyzer() == Analyzer.DROP) {
            flags |= DROP;
        }
        if (planned.tracer().analyzer() == Analyzer.CLONE && !selection.noClone()) {
            flags |= CLONE;
        }
        return (long) flags << 32 | planned.id();
    }

    /** --trace-stack names the tracer, or --drop-stack asks for the stack of each drop. */
    static boolean wantsStack(AttachPlan.Planned planned, Config config) {
        return config.tracers().stacks().contains(planned.tracer().name())
                || (config.modes().dropStack() && planned.tracer().analyzer() == Analyzer.DROP);
    }
}
