package nettrace.monitor.capture;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import nettrace.monitor.labels.DropLabels;
import nettrace.monitor.probe.DropCount;
import nettrace.monitor.probe.KernelCounters;

/**
 * Capture on anomaly: reads the drop counters each second, and when the watcher names a class,
 * diagnoses it there and then (one capture at a time: the next reading waits for it). Nothing is
 * attached between captures.
 */
public final class AnomalyCapture implements AutoCloseable {
    private static final long PERIOD_MILLIS = 1000;

    /** Told of each capture as it starts and of each diagnosis as it is published. */
    public interface Listener {
        void started(AnomalyWatcher.Trigger trigger, List<String> options);

        /** No capture for this class: no trace filter fits its packets (not IP, not ARP). */
        void skipped(AnomalyWatcher.Trigger trigger, String why);

        void published(Diagnosis diagnosis);

        /** Watching failed this time (the next second tries again): a bug, said rather than fatal. */
        void failed(String why);
    }

    private final Supplier<KernelCounters> counters;
    private final DropLabels labels;
    private final AnomalyWatcher watcher;
    private final CaptureRunner runner;
    private final Listener listener;
    private final Map<DropCount.Key, DropClass> classOf = new HashMap<>();
    private final String idPrefix = Long.toHexString(System.currentTimeMillis() / 1000);
    private final Thread thread;
    private volatile boolean stopping;
    private long captures;

    public AnomalyCapture(Supplier<KernelCounters> counters, DropLabels labels, AnomalyWatcher watcher,
            CaptureRunner runner, Listener listener) {
        this.counters = counters;
        this.labels = labels;
        this.watcher = watcher;
        this.runner = runner;
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("nettrace-capture").daemon().unstarted(this::loop);
    }

    public AnomalyCapture start() {
        thread.start();
        return this;
    }

    private void loop() {
        while (!stopping) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                Optional<AnomalyWatcher.Trigger> trigger = watcher.observe(reading(counters.get()),
                        System.currentTimeMillis());
                trigger.ifPresent(this::capture);
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                listener.failed(e.toString());
            }
        }
    }

    private Map<DropClass, AnomalyWatcher.Reading> reading(KernelCounters now) {
        Map<DropClass, AnomalyWatcher.Reading> reading = new HashMap<>();
        Map<DropClass, Long> newest = new HashMap<>();
        for (DropCount drop : now.drops()) {
            DropClass dropClass = classOf.computeIfAbsent(drop.key(), key -> DropClass.of(labels.of(key)));
            AnomalyWatcher.Reading before = reading.get(dropClass);
            boolean newer = drop.lastSeen() > newest.getOrDefault(dropClass, -1L);
            if (newer) {
                newest.put(dropClass, drop.lastSeen());
            }
            reading.put(dropClass, new AnomalyWatcher.Reading(drop.packets() + (before == null ? 0 : before.packets()),
                    newer || before == null ? drop.sample() : before.sample()));
        }
        return reading;
    }

    private void capture(AnomalyWatcher.Trigger trigger) {
        long started = System.currentTimeMillis();
        Optional<List<String>> filter = DerivedFilter.options(trigger.sample());
        if (filter.isEmpty()) {
            listener.skipped(trigger, "no trace filter fits its packets (" + trigger.sample().protocolName() + ")");
            return;
        }
        String id = idPrefix + "-" + ++captures;
        listener.started(trigger, runner.options(filter.get()));
        CaptureRunner.Result result = runner.run(filter.get());
        if (stopping) {
            return;
        }
        String error = !result.error().isEmpty() ? result.error()
                : result.lives().isEmpty() ? "no packet of the class was seen while capturing" : "";
        listener.published(new Diagnosis(id, started, trigger.dropClass(), trigger.why(), result.options(),
                result.lives(), error));
    }

    @Override
    public void close() {
        stopping = true;
        runner.stop();
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
