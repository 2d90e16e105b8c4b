package nettrace.monitor.probe;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** Where the monitor's counters come from: the kernel's maps (MonitorProbes), or a test's. */
public interface CounterSource {
    /** Everything counted so far. */
    KernelCounters read();

    /** Deletes the counters of these namespaces (gone for good) and returns what they had counted. */
    KernelCounters forget(Set<Long> namespaces);

    /** Counters that are only read (made up, for tests and benchmarks): nothing to forget. */
    static CounterSource readOnly(Supplier<KernelCounters> counters) {
        return new CounterSource() {
            @Override
            public KernelCounters read() {
                return counters.get();
            }

            @Override
            public KernelCounters forget(Set<Long> namespaces) {
                return new KernelCounters(List.of(), 0, 0, List.of(), List.of(), 0, new long[0], new long[0]);
            }
        };
    }
}
