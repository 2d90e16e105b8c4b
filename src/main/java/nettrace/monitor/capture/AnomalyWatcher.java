package nettrace.monitor.capture;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import nettrace.monitor.probe.Flow;

/**
 * Decides, from successive readings of the drop counters, which drop class to diagnose: one seen
 * for the first time, or one whose rate crossed the threshold. A class is captured again only
 * after the interval; new classes wait their turn while a capture runs.
 */
public final class AnomalyWatcher {
    /** A class's drops so far, and the latest dropped packet. */
    public record Reading(long packets, Flow sample) {
    }

    /** A class to capture, why, and the packet to derive the capture's filter from. */
    public record Trigger(DropClass dropClass, String why, Flow sample) {
    }

    private final double threshold;
    private final long intervalMillis;
    private final Map<DropClass, Long> packets = new HashMap<>();
    private final Map<DropClass, Long> capturedAt = new HashMap<>();
    private final Set<DropClass> waiting = new LinkedHashSet<>();
    private long readAt;

    /** @param threshold drops per second that start a capture; 0: only new classes do */
    public AnomalyWatcher(double threshold, Duration interval) {
        this.threshold = threshold;
        this.intervalMillis = interval.toMillis();
    }

    /** Takes a reading taken at nowMillis; returns the class to capture now, if any. */
    public Optional<Trigger> observe(Map<DropClass, Reading> reading, long nowMillis) {
        double seconds = readAt == 0 ? 0 : Math.max(1, nowMillis - readAt) / 1000.0;
        DropClass fastest = null;
        double fastestRate = 0;
        for (Map.Entry<DropClass, Reading> entry : reading.entrySet()) {
            DropClass dropClass = entry.getKey();
            long now = entry.getValue().packets();
            Long before = packets.put(dropClass, now);
            if (before == null) {
                if (now > 0) {
                    waiting.add(dropClass);
                }
                continue;
            }
            double rate = seconds == 0 ? 0 : (now - before) / seconds;
            if (threshold > 0 && rate > threshold && rate > fastestRate && mayCapture(dropClass, nowMillis)) {
                fastest = dropClass;
                fastestRate = rate;
            }
        }
        readAt = nowMillis;
        for (Iterator<DropClass> next = waiting.iterator(); next.hasNext(); ) {
            DropClass dropClass = next.next();
            next.remove();
            if (mayCapture(dropClass, nowMillis) && reading.containsKey(dropClass)) {
                return Optional.of(capture(dropClass, "new drop class", reading, nowMillis));
            }
        }
        if (fastest != null) {
            return Optional.of(capture(fastest, String.format("rate %.0f/s above %.0f/s", fastestRate, threshold),
                    reading, nowMillis));
        }
        return Optional.empty();
    }

    private boolean mayCapture(DropClass dropClass, long nowMillis) {
        Long last = capturedAt.get(dropClass);
        return last == null || nowMillis - last >= intervalMillis;
    }

    private Trigger capture(DropClass dropClass, String why, Map<DropClass, Reading> reading, long nowMillis) {
        capturedAt.put(dropClass, nowMillis);
        return new Trigger(dropClass, why, reading.get(dropClass).sample());
    }
}
