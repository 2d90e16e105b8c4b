package nettrace.diag;

import java.util.List;
import java.util.Optional;
import nettrace.tracer.Rule;

/**
 * What the diagnosis says about one event: a level, a message, fix advice, and details such
 * as the drop location and reason or the netfilter hook functions to blame.
 */
public record Finding(Rule.Level level, String message, Optional<String> advice, List<Detail> details) {

    /** A titled group of lines in the analysis ("location:", "drop reason:"). */
    public record Detail(String title, List<String> lines) {
    }

    public boolean isProblem() {
        return level != Rule.Level.INFO;
    }

    /** The same finding at another level. */
    public Finding at(Rule.Level other) {
        return new Finding(other, message, advice, details);
    }
}
