package nettrace.diag;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import nettrace.event.SkbEvent;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;

/**
 * A dropped packet is one ERROR: the drop. The netfilter verdict that made it (nf_hook_slow,
 * ipt_do_table, nft_do_chain) becomes part of the drop's finding, and other errors on the way
 * (a reset sent, a failed lookup) are what led to it, so they are lowered to WARN.
 */
final class OneErrorPerDrop {
    static final String NETFILTER_VERDICT = "netfilter verdict";
    private static final String NETFILTER_UNKNOWN = "netfilter";

    private OneErrorPerDrop() {
    }

    /** Rewrites findings (one list per event of events) in place. */
    static void apply(List<SkbEvent> events, List<List<Finding>> findings, Function<SkbEvent, Tracer> tracers) {
        List<Integer> drops = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (tracers.apply(events.get(i)).analyzer() == Analyzer.DROP && hasError(findings.get(i))) {
                drops.add(i);
            }
        }
        if (drops.isEmpty()) {
            return;
        }
        for (int i = 0; i < events.size(); i++) {
            if (drops.contains(i)) {
                continue;
            }
            List<Finding> found = findings.get(i);
            for (int f = 0; f < found.size(); f++) {
                Finding finding = found.get(f);
                if (finding.level() != Rule.Level.ERROR) {
                    continue;
                }
                if (events.get(i).hasNetfilter()) {
                    int drop = dropFor(events, drops, i);
                    findings.get(drop).replaceAll(d -> d.level() == Rule.Level.ERROR ? withVerdict(d, finding) : d);
                    found.set(f, finding.at(Rule.Level.INFO));
                } else {
                    found.set(f, finding.at(Rule.Level.WARN));
                }
            }
        }
    }

    private static boolean hasError(List<Finding> findings) {
        return findings.stream().anyMatch(finding -> finding.level() == Rule.Level.ERROR);
    }

    /** The drop of the same skb after the event at i, else the first drop. */
    private static int dropFor(List<SkbEvent> events, List<Integer> drops, int i) {
        return drops.stream().filter(d -> d > i && events.get(d).skb() == events.get(i).skb()).findFirst()
                .orElse(drops.getFirst());
    }

    /** The drop's finding with the netfilter verdict's message and details taken in. */
    private static Finding withVerdict(Finding drop, Finding verdict) {
        List<Finding.Detail> details = new ArrayList<>();
        for (Finding.Detail detail : drop.details()) {
            if (!detail.title().equals(NETFILTER_UNKNOWN)) {
                details.add(detail);
            }
        }
        details.add(new Finding.Detail(NETFILTER_VERDICT, List.of(verdict.message())));
        details.addAll(verdict.details());
        Optional<String> advice = drop.advice().or(verdict::advice);
        return new Finding(drop.level(), drop.message(), advice, details);
    }
}
