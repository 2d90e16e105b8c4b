package nettrace.output;

import nettrace.event.EventSink;
import nettrace.event.SkbEvent;

/** --basic, --drop, --sock: every event printed as it arrives (with its stack, if recorded). */
public final class BasicOutput implements EventSink {
    private final Console console;
    private final EventFormatter formatter;
    private final StringBuilder line = new StringBuilder(256);
    private long printed;

    public BasicOutput(Console console, EventFormatter formatter) {
        this.console = console;
        this.formatter = formatter;
    }

    @Override
    public void accept(SkbEvent event) {
        line.setLength(0);
        formatter.append(line, event);
        console.line(line);
        formatter.stackLines(event).forEach(console::line);
        printed++;
    }

    @Override
    public void idle(long nowNanos) {
        console.flush();
    }

    @Override
    public void finish() {
        console.flush();
    }

    @Override
    public long completed() {
        return printed;
    }
}
