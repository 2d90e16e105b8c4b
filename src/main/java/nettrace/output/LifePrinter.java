package nettrace.output;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
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
        line.setLength(0);
        appendHeader(line, life);
        console.line(line);
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
        endingNote(life).ifPresent(console::line);
        console.line("");
    }

    /** "(no end seen: ...)" for a life whose end was not seen. */
    public static Optional<String> endingNote(SkbLife life) {
        return ENDING_NOTES.get(life.ending());
    }

    private static final Map<SkbLife.Ending, Optional<String>> ENDING_NOTES = endingNotes();

    private static Map<SkbLife.Ending, Optional<String>> endingNotes() {
        Map<SkbLife.Ending, Optional<String>> notes = new EnumMap<>(SkbLife.Ending.class);
        for (SkbLife.Ending ending : SkbLife.Ending.values()) {
            notes.put(ending, ending.endSeen() ? Optional.empty()
                    : Optional.of("(" + ending.noEndSeen() + ")"));
        }
        return notes;
    }

    /** "***************** ffff888003a1c900,ffff888003a1c800 ***************" */
    public static String header(SkbLife life) {
        StringBuilder header = new StringBuilder(64);
        appendHeader(header, life);
        return header.toString();
    }

    static void appendHeader(StringBuilder out, SkbLife life) {
        out.append("***************** ");
        for (int i = 0; i < life.addressCount(); i++) {
            if (i > 0) {
                out.append(',');
            }
            appendHex(out, life.address(i));
        }
        out.append(" ***************");
    }

    /** As Long.toHexString writes it, without a String made for it. */
    private static void appendHex(StringBuilder out, long value) {
        int digits = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 3) / 4);
        for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
            out.append(Character.forDigit((int) (value >>> shift) & 0xf, 16));
        }
    }

    @Override
    public void flush() {
        console.flush();
    }
}
