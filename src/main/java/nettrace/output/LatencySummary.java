package nettrace.output;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.SkbLife;

/** --latency-summary: a histogram of skb lifetimes (microseconds), printed each second. */
public final class LatencySummary implements LifeSink {
    private static final long SECOND = 1_000_000_000L;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Console console;
    private final LatencyView latency;
    private final long[] buckets = new long[64];
    private long lives;
    private long lastReport = System.nanoTime();

    public LatencySummary(Console console, LatencyView latency) {
        this.console = console;
        this.latency = latency;
    }

    @Override
    public void complete(SkbLife life) {
        if (latency.hides(life)) {
            return;
        }
        buckets[Log2Histogram.bucket(life.lifetime(latency.includeFree()) / 1000)]++;
        lives++;
    }

    @Override
    public void flush() {
        long now = System.nanoTime();
        if (now - lastReport < SECOND) {
            return;
        }
        lastReport = now;
        if (lives > 0) {
            console.line("[" + LocalTime.now().format(TIME) + "] skb lifetime, " + lives + " skbs:");
            Log2Histogram.lines("usecs", buckets).forEach(console::line);
            console.line("");
            java.util.Arrays.fill(buckets, 0);
            lives = 0;
        }
        console.flush();
    }
}
