package nettrace.diag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import nettrace.event.Netfilter;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.kernel.NetworkNamespaces;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;

/**
 * Applies the tracer tree's rules to each event of a life (SPEC §3 "Diagnosis"), then judges the
 * life as a whole: drops get their location, reason and advice; what NAT and tunnels did is told;
 * each dropped packet has one ERROR (the drop, which takes in the netfilter verdict that made
 * it); and the verdict is good only for a packet seen to its normal end.
 */
public final class Diagnosis {
    private static final long NF_VERDICT_MASK = 0xff;
    private static final long NF_DROP = 0;
    private static final long NF_STOLEN = 2;

    private final AttachPlan plan;
    private final DropReasons reasons;
    private final Supplier<KernelSymbols> symbols;
    private final boolean listHooks;
    private final DropFinding drops;
    private final Handshakes handshakes;
    private long diagnosed;

    /**
     * @param netfilterDetailMissing why netfilter tables, chains and hooks cannot be shown, if so
     * @param listHooks              name the hook functions registered where netfilter dropped (--hooks)
     * @param handshakes             the TCP handshakes seen so far (fed in front of the lifecycle tracker)
     */
    public Diagnosis(AttachPlan plan, DropReasons dropReasons, Supplier<KernelSymbols> symbols, DropAdvice advice, Optional<String> netfilterDetailMissing,
            boolean listHooks, NetworkNamespaces namespaces, Handshakes handshakes) {
        this.plan = plan;
        this.reasons = dropReasons;
        this.symbols = symbols;
        this.listHooks = listHooks;
        this.drops = new DropFinding(dropReasons, symbols, advice, netfilterDetailMissing, namespaces);
        this.handshakes = handshakes;
    }

    public DiagnosedLife diagnose(SkbLife life) {
        diagnosed++;
        List<SkbEvent> events = life.events();
        List<List<Finding>> findings = new ArrayList<>(events.size());
        Map<Long, SkbEvent> lastOfSkb = new HashMap<>();
        for (SkbEvent event : events) {
            Tracer tracer = tracer(event);
            List<Finding> found = new ArrayList<>(1);
            evaluate(tracer, event, life).ifPresent(found::add);
            SkbEvent previous = lastOfSkb.put(event.skb(), event);
            if (previous != null) {
                PacketChanges.between(previous, event, tracer.name()).ifPresent(found::add);
            } else if (Handshakes.isSyn(event.userPacket()) && handshakes.sentAgain(event.userPacket(), diagnosed,
                    event.skb()) && !handshakes.answered(event.userPacket())) {
                found.add(new Finding(Rule.Level.WARN, "SYN retransmitted, unanswered: the listener's accept queue"
                        + " is full, or the reply was lost", Optional.of("on the server, compare Recv-Q with"
                        + " Send-Q in `ss -ltn` and watch ListenOverflows in `nstat -az`; raise the listen backlog"
                        + " (and net.core.somaxconn) or accept faster"), List.of()));
            }
            findings.add(found);
        }
        OneErrorPerDrop.apply(events, findings, this::tracer);
        List<DiagnosedLife.Entry> entries = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Tracer tracer = tracer(events.get(i));
            List<Finding> sorted = new ArrayList<>(findings.get(i));
            sorted.sort((a, b) -> b.level().compareTo(a.level()));
            entries.add(new DiagnosedLife.Entry(events.get(i), tracer.name(), tracer.group(), List.copyOf(sorted)));
        }
        return LifeVerdict.judge(life, entries, handshakes, symbols);
    }

    private Tracer tracer(SkbEvent event) {
        return plan.byId(event.tracer()).tracer();
    }

    /** The finding of one event taken alone (a rule, or a drop); life may be null. */
    Optional<Finding> evaluate(Tracer tracer, SkbEvent event, SkbLife life) {
        if (tracer.analyzer() == Analyzer.DROP) {
            return Optional.of(drops.of(tracer, event, life));
        }
        Optional<Rule> rule = tracer.rules().stream().filter(r -> holds(tracer, r, event)).findFirst();
        return rule.map(r -> new Finding(r.level(), message(tracer, r, event), r.advice(), netfilterDetails(event)));
    }

    Optional<Finding> evaluate(Tracer tracer, SkbEvent event) {
        return evaluate(tracer, event, null);
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
        if (tracer.analyzer() == Analyzer.RESET && event.hasResetReason()) {
            return rule.message() + " (reason: " + reasons.resetReason(event.result()) + ")";
        }
        return rule.message();
    }
}
