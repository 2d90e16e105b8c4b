package nettrace.output;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import nettrace.event.EventSink;
import nettrace.event.SkbEvent;

/**
 * A report printed each second from counters the BPF side keeps: --rtt's histogram of
 * round-trip times, or --func-stats' hits per tracer. Events that still arrive (--rtt-detail)
 * are printed as lines.
 */
public final class PeriodicReport implements EventSink {
    private static final long SECOND = 1_000_000_000L;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** What to print for one second's worth of new counts. */
    private interface Body {
        List<String> lines(long[] delta);
    }

    private final Console console;
    private final EventFormatter formatter;
    private final Supplier<long[]> counters;
    private final String title;
    private final Body body;
    private long[] previous;
    private long lastReport = System.nanoTime();
    private long events;

    private PeriodicReport(Console console, EventFormatter formatter, Supplier<long[]> counters, String title,
            Body body) {
        this.console = console;
        this.formatter = formatter;
        this.counters = counters;
        this.title = title;
        this.body = body;
    }

    /** --rtt: the histogram of smoothed RTT samples (microseconds) of the last second. */
    public static PeriodicReport rtt(Console console, EventFormatter formatter, Supplier<long[]> histogram) {
        return new PeriodicReport(console, formatter, histogram, "TCP round-trip time (srtt)",
                delta -> Log2Histogram.lines("usecs", delta));
    }

    /** --func-stats: how often each tracer was hit in the last second, busiest first. */
    public static PeriodicReport functionStats(Console console, EventFormatter formatter, Supplier<long[]> hits,
            IntFunction<String> tracerName) {
        return new PeriodicReport(console, formatter, hits, "hits per tracer", delta -> {
            List<Integer> busy = new ArrayList<>();
            for (int id = 0; id < delta.length; id++) {
                if (delta[id] > 0) {
                    busy.add(id);
                }
            }
            busy.sort(Comparator.comparingLong((Integer id) -> delta[id]).reversed());
            List<String> lines = new ArrayList<>();
            for (int id : busy) {
                lines.add(String.format("  %-32s %12d", tracerName.apply(id), delta[id]));
            }
            return lines;
        });
    }

    @Override
    public void accept(SkbEvent event) {
        events++;
        StringBuilder line = new StringBuilder(160);
        formatter.append(line, event);
        console.line(line);
    }

    @Override
    public void idle(long nowNanos) {
        if (nowNanos - lastReport >= SECOND) {
            lastReport = nowNanos;
            report();
        }
        console.flush();
    }

    @Override
    public long nextDeadline() {
        return lastReport + SECOND;
    }

    private void report() {
        long[] now = counters.get();
        long[] delta = new long[now.length];
        long total = 0;
        for (int i = 0; i < now.length; i++) {
            delta[i] = now[i] - (previous == null ? 0 : previous[i]);
            total += delta[i];
        }
        previous = now;
        console.line("[" + LocalTime.now().format(TIME) + "] " + title + ", " + total + " in the last second:");
        if (total > 0) {
            body.lines(delta).forEach(console::line);
        }
        console.line("");
    }

    @Override
    public void finish() {
        report();
        console.flush();
    }

    @Override
    public long completed() {
        return events;
    }
}
