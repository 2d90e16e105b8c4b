package nettrace.testing;

import java.util.List;
import java.util.Optional;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Mechanism;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;

/** Hand-made events and plans for unit tests of the layers above the kernel. */
public final class Events {
    public static final Packet PING = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_ICMP, 0x0a00000100000000L, 0,
            0x0a00000200000000L, 0, 0, 0, 0, 0, 0, 84, 0, 8, 0, 7, 1, 0, 0);

    private Events() {
    }

    public static Tracer tracer(String name, String group, Analyzer analyzer, Rule... rules) {
        return new Tracer(name, group, List.of(), -1, false, Optional.of("x:" + name), Optional.empty(), analyzer,
                List.of(rules), true, List.of());
    }

    /** A plan attaching these tracers by tracepoint, ids in order. */
    public static AttachPlan plan(Tracer... tracers) {
        List<AttachPlan.Planned> planned = new java.util.ArrayList<>();
        for (Tracer tracer : tracers) {
            planned.add(new AttachPlan.Planned(tracer, planned.size(), Mechanism.TRACEPOINT, tracer.name(), 1,
                    Optional.empty(), 0, false));
        }
        return new AttachPlan(planned, List.of());
    }

    public static SkbEvent event(int tracer, long timestamp, int flags, long result, long argument) {
        return new SkbEvent(timestamp, 0xffff888000001000L, argument, result, tracer, flags, 0, 1, 1, 1, "", "",
                PING, -1, null, null, 0x1000, 7, null);
    }

    public static Rule rule(String when, Rule.Level level, String message, String advice) {
        return new Rule(Rule.Condition.parse(when), level, message, Optional.ofNullable(advice));
    }
}
