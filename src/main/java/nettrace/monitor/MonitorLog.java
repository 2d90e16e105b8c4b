package nettrace.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;

/**
 * The monitor's log: one JSON object per line ({"time", "level", "event", ...}), on stdout (for
 * the journal) or appended to --log FILE.
 */
public final class MonitorLog implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    /** Writes an event's own fields. */
    @FunctionalInterface
    public interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    private final OutputStream out;
    private final boolean closeAtEnd;

    public MonitorLog(OutputStream out, boolean closeAtEnd) {
        this.out = out;
        this.closeAtEnd = closeAtEnd;
    }

    public void info(String event, Fields fields) {
        write("info", event, fields);
    }

    public void warning(String event, Fields fields) {
        write("warning", event, fields);
    }

    public void error(String event, Fields fields) {
        write("error", event, fields);
    }

    private synchronized void write(String level, String event, Fields fields) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(line)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.now().toString());
            json.writeStringField("level", level);
            json.writeStringField("event", event);
            fields.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a log line", e);
        }
        line.write('\n');
        try {
            out.write(line.toByteArray());
            out.flush();
        } catch (IOException e) {
            // a log that cannot be written must not stop the monitor: stderr still says so
            System.err.println("nettrace monitor: cannot write the log: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (closeAtEnd) {
            try {
                out.close();
            } catch (IOException e) {
                // closing at exit: nothing left to tell
            }
        }
    }
}
