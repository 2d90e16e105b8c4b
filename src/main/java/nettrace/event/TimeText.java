package nettrace.event;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * An event's time as views show it: seconds since boot with microseconds ("1500.000123"), or
 * with --date the wall-clock time ("2026-11-29 20:15:03.000123"), from the boot's epoch time.
 */
public final class TimeText {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final boolean date;
    private final long bootEpochNanos;

    /** @param bootEpochNanos when the kernel's clock read 0, in nanoseconds since the Unix epoch */
    public TimeText(boolean date, long bootEpochNanos) {
        this.date = date;
        this.bootEpochNanos = bootEpochNanos;
    }

    /** This machine's boot time, from its clocks now. */
    public static long bootEpochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    public long bootEpoch() {
        return bootEpochNanos;
    }

    public void append(StringBuilder line, long timestamp) {
        if (date) {
            long epoch = bootEpochNanos + timestamp;
            LocalDateTime time = LocalDateTime.ofInstant(Instant.ofEpochSecond(epoch / 1_000_000_000L),
                    ZoneId.systemDefault());
            line.append(DATE.format(time));
            appendMicros(line, epoch);
        } else {
            line.append(timestamp / 1_000_000_000L);
            appendMicros(line, timestamp);
        }
    }

    /**
     * Six digits, always one by one: a loop of leading zeros ended on a branch that one event in
     * 100000 takes (fewer than 10 microseconds), and the first time a run took it, the compiled
     * printer was thrown away and interpreted until compiled again.
     */
    private static void appendMicros(StringBuilder line, long nanos) {
        int micros = (int) ((nanos % 1_000_000_000L) / 1000);
        line.append('.');
        for (int scale = 100_000; scale > 0; scale /= 10) {
            line.append((char) ('0' + micros / scale % 10));
        }
    }
}
