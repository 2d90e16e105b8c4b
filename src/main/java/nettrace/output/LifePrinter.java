package nettrace.output;

import java.util.StringJoiner;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.SkbLife;

/** Lifecycle mode's output: one block per skb life, its events in time order. */
public final class LifePrinter implements LifeSink {
    private final Console console;
    private final EventFormatter formatter;
    private final boolean tiny;
    private final LatencyView latency;
    private final StringBuilder line = new StringBuilder(256);

    /** @param tiny show the packet on the first event only (--tiny-show) */
    public LifePrinter(Console console, EventFormatter formatter, boolean tiny, LatencyView latency) {
        this.console = console;
        this.formatter = formatter;
        this.tiny = tiny;
        this.latency = latency;
    }

    @Override
    public void complete(SkbLife life) {
        if (latency.hides(life)) {
            return;
        }
        console.line(header(life));
        long previous = 0;
        for (SkbEvent event : life.events()) {
            line.setLength(0);
            if (tiny && previous != 0) {
                formatter.appendTiny(line, event);
            } else {
                formatter.append(line, event);
            }
            latency.appendDelta(line, previous, event.timestamp());
            console.line(line);
            formatter.stackLines(event).forEach(console::line);
            previous = event.timestamp();
        }
        String total = latency.total(life);
        if (total != null) {
            console.line(total);
        }
        if (life.ending() == SkbLife.Ending.EXPIRED) {
            console.line("(no further event: the skb waits in a queue, or was freed where nothing traces)");
        } else if (life.ending() == SkbLife.Ending.UNFINISHED) {
            console.line("(tracing stopped before this skb was freed)");
        }
        console.line("");
    }

    /** "***************** ffff888003a1c900,ffff888003a1c800 ***************" */
    public static String header(SkbLife life) {
        StringJoiner addresses = new StringJoiner(",");
        for (long address : life.addresses()) {
            addresses.add(Long.toHexString(address));
        }
        return "***************** " + addresses + " ***************";
    }

    @Override
    public void flush() {
        console.flush();
    }
}
