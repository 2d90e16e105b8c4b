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
        line(RecordHeader.TYPE, out -> {
            out.writeNumberField("format", header.format());
            out.writeStringField("nettrace", header.nettrace());
            out.writeStringField("kernel", header.kernel());
            out.writeNumberField("boot_epoch_ns", header.bootEpochNanos());
            out.writeStringField("mode", header.mode());
            out.writeStringField("options", header.options());
            out.writeArrayFieldStart("tracers");
            for (String tracer : header.tracers()) {
                out.writeString(tracer);
            }
            out.writeEndArray();
            out.writeArrayFieldStart("unavailable");
            for (String tracer : header.unavailable()) {
                out.writeString(tracer);
            }
            out.writeEndArray();
            if (header.netfilterDetailMissing().isPresent()) {
                out.writeStringField("netfilter_detail_missing", header.netfilterDetailMissing().get());
            }
        });
    }

    @Override
    public void accept(SkbEvent event) {
        line("event", out -> events.fields(out, event));
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
        line("summary", out -> JsonOutput.summaryFields(out, summary));
        flush();
    }

    private interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    /** One line of the record: an object of this type with these fields. */
    private void line(String type, Fields fields) {
        try {
            json.writeStartObject();
            json.writeStringField("type", type);
            fields.write(json);
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
