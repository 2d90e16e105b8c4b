package nettrace.tracer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;

/**
 * Chooses, per tracer, the best mechanism this kernel allows: fentry/fexit, then
 * kprobe-multi, then kprobe/kretprobe, then the tracer's tracepoint.
 */
public final class AttachPlanner {
    private static final String SKB = "struct sk_buff *";
    /** The highest argument indexes the BPF side has generic programs for. */
    private static final int MAX_SKB_ARGUMENT = 4;
    private static final int MAX_SOCK_ARGUMENT = 2;

    private final KernelBtf kernelBtf;
    private final Btf btf;
    private final KernelSymbols symbols;
    private final KernelFeatures features;

    public AttachPlanner(KernelBtf kernelBtf, KernelSymbols symbols, KernelFeatures features) {
        this.kernelBtf = kernelBtf;
        this.btf = kernelBtf.vmlinux();
        this.symbols = symbols;
        this.features = features;
    }

    /**
     * @param wantReturnValues attach exit probes wherever a tracer's return value can be shown
     */
    public AttachPlan plan(List<Tracer> tracers, boolean wantReturnValues) {
        List<AttachPlan.Planned> planned = new ArrayList<>();
        List<AttachPlan.Unavailable> unavailable = new ArrayList<>();
        for (Tracer tracer : tracers) {
            List<String> reasons = new ArrayList<>();
            Optional<AttachPlan.Planned> choice = planFunction(tracer, planned.size(), wantReturnValues, reasons)
                    .or(() -> planTracepoint(tracer, planned.size(), reasons));
            if (choice.isPresent()) {
                planned.add(choice.get());
            } else {
                unavailable.add(new AttachPlan.Unavailable(tracer, String.join("; ", reasons)));
            }
        }
        return new AttachPlan(List.copyOf(planned), List.copyOf(unavailable));
    }

    private Optional<AttachPlan.Planned> planFunction(Tracer tracer, int id, boolean wantReturnValues,
            List<String> reasons) {
        if (!tracer.hasFunction()) {
            return Optional.empty();
        }
        Optional<String> symbol = tracer.functions().stream().map(symbols::resolve).flatMap(Optional::stream)
                .findFirst();
        if (symbol.isEmpty()) {
            reasons.add(String.join("/", tracer.functions()) + " is not in this kernel");
            return Optional.empty();
        }
        // a tracer with its own program reads its own argument layout, always with the verdict
        boolean ownProgram = tracer.program().isPresent();
        boolean withReturn = ownProgram || tracer.needsReturnValue() || wantReturnValues;
        String expected = tracer.sockArgument() ? "struct sock *" : SKB;
        Optional<KernelBtf.Function> described = kernelBtf.function(symbol.get(), symbols);
        int argument = tracer.argument();
        if (described.isPresent()) {
            // the kernel's own prototype wins over the tree's index, which fits some versions only
            Optional<Integer> found = indexOf(parameters(described.get(), symbol.get()), expected);
            if (found.isEmpty() && !ownProgram) {
                reasons.add(symbol.get() + " takes no " + expected + " argument on this kernel");
                return Optional.empty();
            }
            argument = found.orElse(argument);
        } else if (!ownProgram && !symbol.get().equals(tracer.functions().getFirst())) {
            // a compiler clone (name.constprop.0) has no BTF of its own; the original's prototype
            // still tells whether an skb is there at all
            Optional<KernelBtf.Function> original = kernelBtf.function(KernelSymbols.plainName(symbol.get()), symbols);
            if (original.isPresent()
                    && indexOf(parameters(original.get(), KernelSymbols.plainName(symbol.get())), expected).isEmpty()) {
                reasons.add(KernelSymbols.plainName(symbol.get()) + " takes no " + expected + " argument on this kernel");
                return Optional.empty();
            }
        }
        boolean int32Return = described.flatMap(f -> f.btf().functionReturnType(symbol.get()))
                .filter(AttachPlanner::isInt32).isPresent();
        int maxArgument = tracer.sockArgument() ? MAX_SOCK_ARGUMENT : MAX_SKB_ARGUMENT;
        if (argument > maxArgument) {
            reasons.add("its " + expected + " is argument " + argument + "; programs exist up to " + maxArgument);
            return Optional.empty();
        }
        if (!features.fentry() && !features.kprobe()) {
            reasons.add("needs fentry or kprobes, which this kernel does not allow");
            return Optional.empty();
        }
        if (features.fentry()) {
            if (described.isEmpty()) {
                reasons.add("fentry: " + symbol.get() + " has no BTF description");
            } else {
                return Optional.of(new AttachPlan.Planned(tracer, id, Mechanism.FENTRY, symbol.get(),
                        described.get().id(), described.get().module(), argument, withReturn, int32Return));
            }
        } else {
            reasons.add(features.fentryUnavailable().orElseThrow());
        }
        if (features.kprobeMulti()) {
            return Optional.of(new AttachPlan.Planned(tracer, id, Mechanism.KPROBE_MULTI, symbol.get(), 0,
                    Optional.empty(), argument, withReturn, int32Return));
        }
        if (features.kprobe()) {
            return Optional.of(new AttachPlan.Planned(tracer, id, Mechanism.KPROBE, symbol.get(), 0,
                    Optional.empty(), argument, withReturn, int32Return));
        }
        reasons.add(features.kprobeUnavailable().orElseThrow());
        return Optional.empty();
    }

    private static boolean isInt32(String type) {
        return type.equals("int") || type.equals("s32") || type.equals("__s32") || type.startsWith("enum ");
    }

    private static List<Btf.Parameter> parameters(KernelBtf.Function function, String name) {
        return function.btf().functionParameters(name).orElse(List.of());
    }

    private static Optional<Integer> indexOf(List<Btf.Parameter> parameters, String type) {
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i).typeName().equals(type)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private Optional<AttachPlan.Planned> planTracepoint(Tracer tracer, int id, List<String> reasons) {
        if (tracer.tracepoint().isEmpty()) {
            if (tracer.hasFunction()) {
                reasons.add("no tracepoint alternative");
            }
            return Optional.empty();
        }
        String name = tracer.tracepointName().orElseThrow();
        Optional<Integer> typedef = btf.find("btf_trace_" + name, Btf.Kind.TYPEDEF);
        if (typedef.isEmpty()) {
            reasons.add("tracepoint " + tracer.tracepoint().get() + " is not in this kernel");
            return Optional.empty();
        }
        String expected = tracer.sockArgument() ? "struct sock *" : SKB;
        int argument = indexOf(btf.tracepointParameters(name).orElse(List.of()), expected).orElse(-1);
        if (argument < 0) {
            reasons.add("tracepoint " + tracer.tracepoint().get() + " has no " + expected + " argument");
            return Optional.empty();
        }
        boolean withReturn = tracer.program().isPresent() && tracer.analyzer() == Analyzer.RET;
        return Optional.of(new AttachPlan.Planned(tracer, id, Mechanism.TRACEPOINT, name, typedef.get(),
                Optional.empty(), argument, withReturn));
    }
}
