package nettrace.diag;

import java.util.List;
import java.util.Optional;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Rule;

/**
 * An skb life with what the diagnosis says of each of its events, and of the packet as a whole.
 *
 * @param verdictReason why the verdict is what it is, in a sentence ("no end seen: ...")
 */
public record DiagnosedLife(SkbLife life, List<Entry> entries, Verdict verdict, String verdictReason) {

    /** One event of the life and what the diagnosis says about it, most severe finding first. */
    public record Entry(SkbEvent event, String tracer, String group, List<Finding> findings) {

        public Optional<Finding> finding() {
            return findings.isEmpty() ? Optional.empty() : Optional.of(findings.getFirst());
        }
    }

    /** The most severe finding level, or empty for a life without findings. */
    public Optional<Rule.Level> worst() {
        Rule.Level worst = null;
        // indexed loops: iterators over the immutable lists escaped, and were most of --diag's garbage
        for (int e = 0; e < entries.size(); e++) {
            List<Finding> findings = entries.get(e).findings();
            for (int f = 0; f < findings.size(); f++) {
                Rule.Level level = findings.get(f).level();
                worst = worst == null || level.compareTo(worst) > 0 ? level : worst;
            }
        }
        return Optional.ofNullable(worst);
    }

    /** True when some event has a WARN or ERROR finding. */
    public boolean hasProblem() {
        for (int e = 0; e < entries.size(); e++) {
            List<Finding> findings = entries.get(e).findings();
            for (int f = 0; f < findings.size(); f++) {
                if (findings.get(f).isProblem()) {
                    return true;
                }
            }
        }
        return false;
    }

    public boolean hasError() {
        return worst().map(level -> level == Rule.Level.ERROR).orElse(false);
    }
}
