package nettrace.monitor.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * --max-series: how many label sets one metric may have. The first ones seen are admitted for
 * good (a counter must not vanish and come back); any later one is folded into the metric's
 * "other" set, and counted once as folded.
 */
final class SeriesLimit {
    private final int max;
    private final Set<List<String>> admitted = new HashSet<>();
    private final Set<List<String>> folded = new HashSet<>();

    SeriesLimit(int max) {
        this.max = max;
    }

    /** True when this label set has its own series; false when it is folded into "other". */
    boolean admit(List<String> labelValues) {
        if (admitted.contains(labelValues)) {
            return true;
        }
        if (admitted.size() < max) {
            admitted.add(labelValues);
            return true;
        }
        folded.add(labelValues);
        return false;
    }

    /** A label set gone for good (its namespace is gone): its place is free again. */
    void release(List<String> labelValues) {
        admitted.remove(labelValues);
        folded.remove(labelValues);
    }

    /** Distinct label sets folded into "other" so far. */
    long folded() {
        return folded.size();
    }
}
