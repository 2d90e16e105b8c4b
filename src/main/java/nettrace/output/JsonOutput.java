package nettrace.output;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import nettrace.diag.DiagnosedLife;
import nettrace.diag.DiagnosisSink;
import nettrace.diag.Finding;
import nettrace.event.EventJsonWriter;
import nettrace.event.EventSink;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.SkbLife;

/**
 * --output json: one JSON object per line for each event (--basic, --drop, --sock), skb life
 * (lifecycle mode) or diagnosed life (--diag), then a summary. The schema is in
 * docs/json-output.md; events are written from their records by EventJsonWriter, the same
 * fields a --record file holds.
 */
public final class JsonOutput implements EventSink, LifeSink, DiagnosisSink.Printer {
    private final Console console;
    private final EventJsonWriter events;
    private final LineBytes line = new LineBytes();
    private final JsonGenerator json;
    private long printed;

    /** The line being written, as UTF-8: a ByteArrayOutputStream without locks, reused. */
    private static final class LineBytes extends OutputStream {
        byte[] bytes = new byte[1024];
        int length;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[length++] = (byte) b;
        }

        @Override
        public void write(byte[] from, int offset, int count) {
            ensure(count);
            System.arraycopy(from, offset, bytes, length, count);
            length += count;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }

    public JsonOutput(Console console, EventJsonWriter events) {
        this.console = console;
        this.events = events;
        this.json = EventJsonWriter.generator(line);
    }

    private interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private void line(String type, Body body) {
        line.length = 0;
        write(json, type, body);
        console.line(line.bytes, line.length);
    }

    private static void write(JsonGenerator json, String type, Body body) {
        try {
            json.writeStartObject();
            json.writeStringField("type", type);
            body.write(json);
            json.writeEndObject();
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- basic modes: an event per line

    @Override
    public void accept(SkbEvent event) {
        line("event", json -> events.fields(json, event));
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

    // ---- lifecycle: a life per line

    @Override
    public void complete(SkbLife life) {
        line("life", json -> {
            lifeFields(json, life);
            json.writeArrayFieldStart("events");
            for (SkbEvent event : life.events()) {
                json.writeStartObject();
                events.fields(json, event);
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    // ---- diagnosis: a life per line, its events with their findings, then the verdict

    @Override
    public void print(DiagnosedLife diagnosed, boolean last) {
        line("diagnosis", json -> {
            lifeFields(json, diagnosed.life());
            json.writeStringField("verdict", diagnosed.verdict().key());
            json.writeStringField("verdict_reason", diagnosed.verdictReason());
            json.writeArrayFieldStart("events");
            for (DiagnosedLife.Entry entry : diagnosed.entries()) {
                json.writeStartObject();
                events.fields(json, entry.event());
                findings(json, entry.findings());
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    @Override
    public void flush() {
        console.flush();
    }

    /** The last line of a run: how many events, how many lost, why it stopped. */
    public static void summary(Console console, Summary summary) {
        LineBytes text = new LineBytes();
        write(EventJsonWriter.generator(text), "summary", json -> summaryFields(json, summary));
        console.line(text.bytes, text.length);
        console.flush();
    }

    /** The summary's fields, as --output json and a record's last line hold them. */
    public static void summaryFields(JsonGenerator json, Summary summary) throws IOException {
        json.writeNumberField("events", summary.events());
        json.writeNumberField("lost", summary.lost());
        json.writeNumberField("lives_not_followed", summary.livesNotFollowed());
        json.writeStringField("stopped_by", summary.stoppedBy());
    }

    private static void lifeFields(JsonGenerator json, SkbLife life) throws IOException {
        json.writeArrayFieldStart("skbs");
        for (long address : life.addresses()) {
            json.writeString(Long.toHexString(address));
        }
        json.writeEndArray();
        json.writeStringField("ending", life.ending().id());
        json.writeBooleanField("end_seen", life.ending().endSeen());
    }

    private static void findings(JsonGenerator json, List<Finding> findings) throws IOException {
        if (findings.isEmpty()) {
            return;
        }
        json.writeFieldName("finding");
        finding(json, findings.getFirst());
        json.writeArrayFieldStart("findings");
        for (Finding each : findings) {
            finding(json, each);
        }
        json.writeEndArray();
    }

    private static void finding(JsonGenerator json, Finding finding) throws IOException {
        json.writeStartObject();
        json.writeStringField("level", finding.level().name().toLowerCase(Locale.ROOT));
        json.writeStringField("message", finding.message());
        if (finding.advice().isPresent()) {
            json.writeStringField("advice", finding.advice().get());
        }
        for (Finding.Detail detail : finding.details()) {
            json.writeArrayFieldStart(detailKey(detail.title()));
            for (String text : detail.lines()) {
                json.writeString(text);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /** Stable keys for the details a finding carries (their titles are the text output's). */
    static String detailKey(String title) {
        return switch (title) {
            case "following hook functions are blamed" -> "blamed_hooks";
            case "netfilter" -> "netfilter_unknown";
            default -> title.replace(' ', '_');
        };
    }
}
