package nettrace.tracer;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** For each selected tracer: how it will be attached, or why it cannot be. */
public record AttachPlan(List<Planned> planned, List<Unavailable> unavailable) {

    /**
     * A tracer that will be attached.
     *
     * @param id         its index: events carry it back
     * @param target     the symbol (function, or tracepoint name) attached to
     * @param btfId      BTF id of the target (function or btf_trace_ typedef), 0 for kprobes
     * @param btfModule  kernel module whose BTF holds btfId, empty for vmlinux
     * @param argument   index of the skb (or sock) argument at this target
     * @param withReturn also attach an exit probe to learn the return value
     * @param int32Return the function returns a 32-bit signed value (int, enum): the exit probe's
     *                    64-bit register holds it without sign extension
     */
    public record Planned(Tracer tracer, int id, Mechanism mechanism, String target, int btfId,
            Optional<String> btfModule, int argument, boolean withReturn, boolean int32Return) {

        public Planned(Tracer tracer, int id, Mechanism mechanism, String target, int btfId,
                Optional<String> btfModule, int argument, boolean withReturn) {
            this(tracer, id, mechanism, target, btfId, btfModule, argument, withReturn, false);
        }
    }

    /** Per tracer id of these tracers: whether its return value is a 32-bit signed one (EventDecoder). */
    public static boolean[] int32Returns(java.util.Collection<Planned> tracers) {
        boolean[] narrow = new boolean[tracers.stream().mapToInt(p -> p.id() + 1).max().orElse(0)];
        tracers.forEach(p -> narrow[p.id()] = p.int32Return());
        return narrow;
    }

    /** A tracer that cannot be attached on this kernel, and why. */
    public record Unavailable(Tracer tracer, String reason) {
    }

    public Planned byId(int id) {
        return planned.get(id);
    }

    public Map<Mechanism, Integer> countByMechanism() {
        Map<Mechanism, Integer> counts = new EnumMap<>(Mechanism.class);
        for (Planned p : planned) {
            counts.merge(p.mechanism(), 1, Integer::sum);
        }
        return counts;
    }

    /** One line: "12 tracers: 10 tracepoint, 2 fentry; 3 unavailable". */
    public String summary() {
        StringBuilder text = new StringBuilder().append(planned.size()).append(" tracers");
        String separator = ": ";
        for (var entry : countByMechanism().entrySet()) {
            text.append(separator).append(entry.getValue()).append(' ').append(entry.getKey().label());
            separator = ", ";
        }
        if (!unavailable.isEmpty()) {
            text.append("; ").append(unavailable.size()).append(" unavailable");
        }
        return text.toString();
    }
}
