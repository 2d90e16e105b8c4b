package nettrace.diag;

import java.util.List;
import java.util.Optional;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Rule;

/** An skb life with the finding, if any, of each of its events. */
public record DiagnosedLife(SkbLife life, List<Entry> entries) {

    /** One event of the life and what the diagnosis says about it. */
    public record Entry(SkbEvent event, String tracer, String group, Optional<Finding> finding) {
    }

    /** The most severe finding level, or empty for a life without findings. */
    public Optional<Rule.Level> worst() {
        return entries.stream().flatMap(entry -> entry.finding().stream()).map(Finding::level)
                .max(Enum::compareTo);
    }

    /** True when some event has a WARN or ERROR finding. */
    public boolean hasProblem() {
        return entries.stream().anyMatch(entry -> entry.finding().map(Finding::isProblem).orElse(false));
    }

    public boolean hasError() {
        return worst().map(level -> level == Rule.Level.ERROR).orElse(false);
    }
}
