package nettrace.diag;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import nettrace.event.Netfilter;
import nettrace.event.Outcome;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Analyzer;
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

    private final boolean listHooks;
    private final DropFinding drops;
    private final Handshakes handshakes;
    private long diagnosed;

    /**
     * @param netfilterDetailMissing why netfilter tables, chains and hooks cannot be shown, if so
     * @param listHooks              name the hook functions registered where netfilter dropped (--hooks)
     * @param handshakes             the TCP handshakes seen so far (fed in front of the lifecycle tracker)
     */
    public Diagnosis(DropAdvice advice, Optional<String> netfilterDetailMissing, boolean listHooks,
            Handshakes handshakes) {
        this.listHooks = listHooks;
        this.drops = new DropFinding(advice, netfilterDetailMissing);
        this.handshakes = handshakes;
    }

    public DiagnosedLife diagnose(SkbLife life) {
        diagnosed++;
        List<SkbEvent> events = life.events();
        List<List<Finding>> findings = new ArrayList<>(events.size());
        // per skb of the life (most have one): its latest event so far, and whether it showed a SYN
        SkbEvent[] lastOfSkb = new SkbEvent[life.addressCount()];
        boolean[] synSeen = new boolean[life.addressCount()];
        int synCopies = 0;
        for (int e = 0; e < events.size(); e++) {
            SkbEvent event = events.get(e);
            Tracer tracer = event.tracer();
            List<Finding> found = new ArrayList<>(1);
            evaluate(event, life).ifPresent(found::add);
            int skb = life.indexOf(event.skb());
            SkbEvent previous = skb < 0 ? null : lastOfSkb[skb];
            if (skb >= 0) {
                lastOfSkb[skb] = event;
            }
            boolean syn = Handshakes.isSyn(event.userPacket());
            if (previous != null) {
                PacketChanges.between(previous, event, tracer.name()).ifPresent(found::add);
            }
            // sent again: in a life of its own (judged at the skb's first point that shows the SYN:
            // __ip_queue_xmit's comes before the IP header is built), or (where clones are traced) as a
            // new clone of TCP's copy
            boolean again = syn && (firstSyn(synSeen, skb) && handshakes.sentAgain(event.userPacket(), diagnosed)
                    || event.madeClone() && ++synCopies > 1);
            if (again && !handshakes.answered(event.userPacket())) {
                found.add(new Finding(Rule.Level.WARN, "SYN retransmitted, unanswered: the listener's accept queue"
                        + " is full, or the reply was lost", Optional.of("on the server, compare Recv-Q with"
                        + " Send-Q in `ss -ltn` and watch ListenOverflows in `nstat -az`; raise the listen backlog"
                        + " (and net.core.somaxconn) or accept faster"), List.of()));
            }
            findings.add(found);
        }
        OneErrorPerDrop.apply(events, findings);
        List<DiagnosedLife.Entry> entries = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Tracer tracer = events.get(i).tracer();
            entries.add(new DiagnosedLife.Entry(events.get(i), tracer.name(), tracer.group(),
                    mostSevereFirst(findings.get(i))));
        }
        return LifeVerdict.judge(life, entries, handshakes);
    }

    /** True the first time an skb of the life shows a SYN (always for an skb not among its addresses). */
    private static boolean firstSyn(boolean[] synSeen, int skb) {
        if (skb < 0) {
            return true;
        }
        boolean first = !synSeen[skb];
        synSeen[skb] = true;
        return first;
    }

    private static List<Finding> mostSevereFirst(List<Finding> found) {
        if (found.size() < 2) {
            return List.copyOf(found);
        }
        List<Finding> sorted = new ArrayList<>(found);
        sorted.sort((a, b) -> b.level().compareTo(a.level()));
        return List.copyOf(sorted);
    }

    /** The finding of one event taken alone (a rule, or a drop); life may be null. */
    Optional<Finding> evaluate(SkbEvent event, SkbLife life) {
        Tracer tracer = event.tracer();
        if (tracer.analyzer() == Analyzer.DROP) {
            // not a drop: freed with the packet it was part of, which was consumed or not seen
            return event.isDrop() ? Optional.of(drops.of(event, life)) : Optional.empty();
        }
        if (event.outcome() instanceof Outcome.Consumed consumed && consumed.handedOn()) {
            return Optional.of(new Finding(Rule.Level.INFO, "packet is copied into a new skb for an XDP program (or"
                    + " sent on as an XDP frame), which goes on with it", Optional.empty(), List.of()));
        }
        List<Rule> rules = tracer.rules();
        for (int i = 0; i < rules.size(); i++) { // indexed: an iterator over an immutable list escapes here
            Rule rule = rules.get(i);
            if (holds(tracer, rule, event)) {
                return Optional.of(new Finding(rule.level(), message(rule, event), rule.advice(),
                        netfilterDetails(event)));
            }
        }
        return Optional.empty();
    }

    Optional<Finding> evaluate(SkbEvent event) {
        return evaluate(event, null);
    }

    /** For a drop at a netfilter hook: the hook functions registered there (--hooks). */
    private List<Finding.Detail> netfilterDetails(SkbEvent event) {
        if (!listHooks || !event.hasNetfilter() || event.netfilter().hooks().isEmpty()) {
            return List.of();
        }
        return List.of(new Finding.Detail("following hook functions are blamed", event.netfilter().hooks()));
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

    private static String message(Rule rule, SkbEvent event) {
        if (event.hasNetfilter() && event.netfilter().source() != Netfilter.Source.HOOK) {
            Netfilter nf = event.netfilter();
            String chain = nf.source() == Netfilter.Source.IPTABLES ? nf.iptablesChain() : nf.chain();
            return rule.message() + " (table " + nf.table() + ", chain " + chain + ")";
        }
        if (event.outcome() instanceof Outcome.ResetSent reset) {
            return rule.message() + " (reason: " + reset.reason() + ")";
        }
        return rule.message();
    }
}
