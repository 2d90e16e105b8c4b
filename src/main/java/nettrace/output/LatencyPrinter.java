package nettrace.output;

import nettrace.event.PacketFormat;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.SkbLife;

/** --latency: one line per skb life, "[time] [first -> last] PACKET latency: 1.234ms". */
public final class LatencyPrinter implements LifeSink {
    private static final int RANGE_WIDTH = 36;

    private final Console console;
    private final EventFormatter formatter;
    private final LatencyView latency;
    private final StringBuilder line = new StringBuilder(256);

    public LatencyPrinter(Console console, EventFormatter formatter, LatencyView latency) {
        this.console = console;
        this.formatter = formatter;
        this.latency = latency;
    }

    @Override
    public void complete(SkbLife life) {
        if (life.events().isEmpty() || latency.hides(life)) {
            return;
        }
        SkbEvent first = life.events().getFirst();
        SkbEvent last = life.lastPoint(latency.includeFree());
        line.setLength(0);
        formatter.appendTime(line, first.timestamp());
        String range = formatter.tracer(first).name() + " -> " + formatter.tracer(last).name();
        line.append('[').append(range).append(" ".repeat(Math.max(0, RANGE_WIDTH - range.length()))).append("] ");
        PacketFormat.append(line, first.packet());
        line.append(" latency: ");
        EventFormatter.appendMillis(line, life.lifetime(latency.includeFree()) / 1000);
        console.line(line);
    }

    @Override
    public void flush() {
        console.flush();
    }
}
