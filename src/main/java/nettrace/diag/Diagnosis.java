package nettrace.diag;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import nettrace.event.Netfilter;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;

/**
 * Applies the tracer tree's rules to each event of a life (SPEC §3 "Diagnosis"). Drops get
 * their location, the kernel's reason and advice for that reason; resets their reason.
 */
public final class Diagnosis {
    private static final long NF_VERDICT_MASK = 0xff;
    private static final long NF_DROP = 0;
    private static final long NF_STOLEN = 2;
    private static final String DROPPED = "packet is dropped by kernel";

    private final AttachPlan plan;
    private final DropReasons dropReasons;
    private final Map<Long, String> resetReasons;
    private final Supplier<KernelSymbols> symbols;
    private final DropAdvice advice;
    private final Optional<String> netfilterDetailMissing;
    private final boolean listHooks;

    /**
     * @param resetReasons           the kernel's enum sk_rst_reason, empty on kernels without it
     * @param netfilterDetailMissing why netfilter tables, chains and hooks cannot be shown, if so
     * @param listHooks              name the hook functions registered where netfilter dropped (--hooks)
     */
    public Diagnosis(AttachPlan plan, DropReasons dropReasons, Map<Long, String> resetReasons,
            Supplier<KernelSymbols> symbols, DropAdvice advice, Optional<String> netfilterDetailMissing,
            boolean listHooks) {
        this.plan = plan;
        this.dropReasons = dropReasons;
        this.resetReasons = resetReasons;
        this.symbols = symbols;
        this.advice = advice;
        this.netfilterDetailMissing = netfilterDetailMissing;
        this.listHooks = listHooks;
    }

    public DiagnosedLife diagnose(SkbLife life) {
        List<DiagnosedLife.Entry> entries = new ArrayList<>(life.events().size());
        for (SkbEvent event : life.events()) {
            Tracer tracer = plan.byId(event.tracer()).tracer();
            entries.add(new DiagnosedLife.Entry(event, tracer.name(), tracer.group(), evaluate(tracer, event)));
        }
        return new DiagnosedLife(life, entries);
    }

    Optional<Finding> evaluate(Tracer tracer, SkbEvent event) {
        if (tracer.analyzer() == Analyzer.DROP) {
            return Optional.of(drop(tracer, event));
        }
        Optional<Rule> rule = tracer.rules().stream().filter(r -> holds(tracer, r, event)).findFirst();
        return rule.map(r -> new Finding(r.level(), message(tracer, r, event), r.advice(), netfilterDetails(event)));
    }

    /** For a drop at a netfilter hook: the hook functions registered there (--hooks). */
    private List<Finding.Detail> netfilterDetails(SkbEvent event) {
        if (!listHooks || !event.hasNetfilter() || event.netfilter().hooks().isEmpty()) {
            return List.of();
        }
        KernelSymbols kernel = symbols.get();
        List<String> names = event.netfilter().hooks().stream()
                .map(address -> kernel.functionAt(address).orElse(kernel.describe(address))).toList();
        return List.of(new Finding.Detail("following hook functions are blamed", names));
    }

    private static boolean holds(Tracer tracer, Rule rule, SkbEvent event) {
        if (rule.condition().isAny()) {
            return true;
        }
        if (!event.hasReturnValue()) {
            return false;
        }
        long value = tracer.analyzer() == Analyzer.IPTABLE ? verdict(event.result()) : event.result();
        return rule.condition().test(value);
    }

    /**
     * The netfilter verdict code of a table's return value, which may carry an errno in its
     * upper bits; since 6.8 a drop with a reason frees the packet itself and returns NF_STOLEN
     * with the errno (NF_DROP_REASON): that is a drop too.
     */
    static long verdict(long returned) {
        long code = returned & NF_VERDICT_MASK;
        boolean withErrno = (returned & 0xffffffffL) >>> 16 != 0;
        return code == NF_STOLEN && withErrno ? NF_DROP : code;
    }

    private String message(Tracer tracer, Rule rule, SkbEvent event) {
        if (event.hasNetfilter() && event.netfilter().source() != Netfilter.Source.HOOK) {
            Netfilter nf = event.netfilter();
            String chain = nf.source() == Netfilter.Source.IPTABLES ? nf.iptablesChain() : nf.chain();
            return rule.message() + " (table " + nf.table() + ", chain " + chain + ")";
        }
        if (tracer.analyzer() == Analyzer.RESET && event.hasDropReason()) {
            String reason = resetReasons.getOrDefault(event.result(), "reason " + event.result());
            return rule.message() + " (reason: " + reason.replaceFirst("^SK_RST_REASON_", "") + ")";
        }
        return rule.message();
    }

    private Finding drop(Tracer tracer, SkbEvent event) {
        String message = tracer.rules().stream().filter(r -> r.condition().isAny()).map(Rule::message).findFirst()
                .orElse(DROPPED);
        List<Finding.Detail> details = new ArrayList<>();
        Optional<String> function = Optional.empty();
        if (event.argument() != 0) {
            KernelSymbols kernel = symbols.get();
            details.add(new Finding.Detail("location", List.of(kernel.describe(event.argument()))));
            function = kernel.functionAt(event.argument());
        }
        if (!event.hasDropReason()) {
            return new Finding(Rule.Level.ERROR, message, Optional.empty(), details);
        }
        String reason = dropReasons.name(event.result());
        details.add(new Finding.Detail("drop reason", List.of(reason)));
        if (reason.equals("NETFILTER_DROP") && netfilterDetailMissing.isPresent()) {
            details.add(new Finding.Detail("netfilter", List.of("table, chain and hook functions unknown: "
                    + netfilterDetailMissing.get())));
        }
        Optional<String> benign = function.flatMap(f -> advice.benign(reason, f));
        if (benign.isPresent()) {
            return new Finding(Rule.Level.INFO, "packet is dropped by kernel as expected: " + benign.get(),
                    Optional.empty(), details);
        }
        return new Finding(Rule.Level.ERROR, message, advice.advice(reason), details);
    }
}
