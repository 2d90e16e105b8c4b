package nettrace.record;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import nettrace.event.EventJsonWriter;
import nettrace.event.EventSink;
import nettrace.event.ForwardingSink;
import nettrace.event.SkbEvent;
import nettrace.output.JsonOutput;
import nettrace.output.Summary;

/**
 * --record FILE: every decoded event, the facts and not a view, as a JSON line after a header
 * line, passed on unchanged to the run's own sink. `nettrace replay FILE` makes any view of them.
 */
public final class Recorder extends ForwardingSink {
    private final OutputStream file;
    private final JsonGenerator json;
    private final EventJsonWriter events = new EventJsonWriter(null, true);
    private long recorded;

    public Recorder(OutputStream file, RecordHeader header, EventSink next) {
        super(next);
        this.file = file;
        this.json = EventJsonWriter.generator(file);
        try {
            json.writeStartObject();
            json.writeStringField("type", RecordHeader.TYPE);
            json.writeNumberField("format", header.format());
            json.writeStringField("nettrace", header.nettrace());
            json.writeStringField("kernel", header.kernel());
            json.writeNumberField("boot_epoch_ns", header.bootEpochNanos());
            json.writeStringField("mode", header.mode());
            json.writeStringField("options", header.options());
            json.writeArrayFieldStart("tracers");
            for (String tracer : header.tracers()) {
                json.writeString(tracer);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("unavailable");
            for (String tracer : header.unavailable()) {
                json.writeString(tracer);
            }
            json.writeEndArray();
            if (header.netfilterDetailMissing().isPresent()) {
                json.writeStringField("netfilter_detail_missing", header.netfilterDetailMissing().get());
            }
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void accept(SkbEvent event) {
        try {
            json.writeStartObject();
            json.writeStringField("type", "event");
            events.fields(json, event);
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        recorded++;
        next.accept(event);
    }

    @Override
    public void idle(long nowNanos) {
        flush();
        next.idle(nowNanos);
    }

    @Override
    public void finish() {
        next.finish();
        flush();
    }

    private void flush() {
        try {
            json.flush();
            file.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long recorded() {
        return recorded;
    }

    /** The record's last line: how the run ended. */
    public void end(Summary summary) {
        try {
            json.writeStartObject();
            json.writeStringField("type", "summary");
            JsonOutput.summaryFields(json, summary);
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        flush();
    }
}
