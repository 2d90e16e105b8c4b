package nettrace.tracer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelSymbols;

/**
 * --trace-func: every kernel function whose BTF prototype takes a struct sk_buff * and whose
 * name matches a pattern becomes a tracer of its own (group "trace-func").
 */
public final class FunctionScan {
    public static final String GROUP = "trace-func";
    private static final String SKB = "struct sk_buff *";
    private static final int LAST_ARGUMENT = 4;

    private FunctionScan() {
    }

    /**
     * @param alreadyTraced tracers of the run already: their functions are left to them, so that a
     *                      function is attached once, with its tree tracer's analyzer and rules
     */
    public static List<Tracer> matching(Pattern pattern, Btf btf, KernelSymbols symbols,
            List<Tracer> alreadyTraced) {
        Set<String> traced = new HashSet<>();
        alreadyTraced.forEach(tracer -> traced.addAll(tracer.functions()));
        List<Tracer> tracers = new ArrayList<>();
        for (String function : btf.names(Btf.Kind.FUNC)) {
            if (!pattern.matcher(function).find() || !symbols.exists(function) || traced.contains(function)) {
                continue;
            }
            skbArgument(btf, function).ifPresent(argument -> tracers.add(new Tracer(function, GROUP,
                    List.of(function), argument, false, Optional.empty(), Optional.empty(), Analyzer.DEFAULT,
                    List.of(), true, List.of(), false)));
        }
        tracers.sort(java.util.Comparator.comparing(Tracer::name));
        return tracers;
    }

    private static Optional<Integer> skbArgument(Btf btf, String function) {
        List<Btf.Parameter> parameters = btf.functionParameters(function).orElse(List.of());
        for (int i = 0; i < parameters.size() && i <= LAST_ARGUMENT; i++) {
            if (parameters.get(i).typeName().equals(SKB)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }
}
