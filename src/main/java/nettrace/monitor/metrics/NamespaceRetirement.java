package nettrace.monitor.metrics;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Which namespaces' counters the monitor lets go: those no name, process or the host held at two
 * checks in a row. By then their series have been scraped with their last values for a whole
 * interval; without this, a host whose containers come and go would fill the kernel's map and the
 * series limit with namespaces long gone.
 */
final class NamespaceRetirement {
    private final long intervalMillis;
    private long checkedAt;
    private Set<Long> goneBefore = Set.of();

    NamespaceRetirement(long intervalMillis, long startMillis) {
        this.intervalMillis = intervalMillis;
        this.checkedAt = startMillis;
    }

    /**
     * @param counted the namespaces the counters hold
     * @param inUse   the namespaces alive now, asked only when a check is due
     * @return the namespaces to let go now
     */
    Set<Long> due(long nowMillis, Set<Long> counted, Supplier<Set<Long>> inUse) {
        if (nowMillis - checkedAt < intervalMillis) {
            return Set.of();
        }
        checkedAt = nowMillis;
        Set<Long> gone = new HashSet<>(counted);
        gone.removeAll(inUse.get());
        gone.remove(0L);
        Set<Long> due = new HashSet<>(gone);
        due.retainAll(goneBefore);
        goneBefore = gone;
        return due;
    }
}
