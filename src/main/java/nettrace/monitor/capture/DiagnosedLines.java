package nettrace.monitor.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A capture's JSON output, read line by line as it is written, keeping only what a diagnosis
 * publishes: at most {@code kept} diagnosed lives, those that ended in an error first. Under a
 * drop storm the capture's tracer prints far more lives than its -c counts: those it met while
 * its programs were still being attached do not count. Kept whole in memory, they filled the
 * monitor's heap and the capture thread died of it.
 */
final class DiagnosedLines extends OutputStream {
    private static final JsonFactory JSON = new JsonFactory();

    private final int kept;
    private final List<String> errors = new ArrayList<>();
    private final List<String> others = new ArrayList<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    DiagnosedLines(int kept) {
        this.kept = kept;
    }

    @Override
    public void write(int b) {
        if (b == '\n') {
            endLine();
        } else {
            line.write(b);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        int start = offset;
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] == '\n') {
                line.write(bytes, start, i - start);
                endLine();
                start = i + 1;
            }
        }
        line.write(bytes, start, offset + length - start);
    }

    private void endLine() {
        // with enough errors kept, no other line can be published: none is read any more
        if (errors.size() < kept) {
            String text = line.toString(StandardCharsets.UTF_8);
            String[] typeAndVerdict = typeAndVerdict(text);
            if ("diagnosis".equals(typeAndVerdict[0])) {
                if ("error".equals(typeAndVerdict[1])) {
                    errors.add(text);
                } else if (others.size() < kept) {
                    others.add(text);
                }
            }
        }
        line.reset();
    }

    /** The diagnosed lives kept, errors first; a last line without its newline counts too. */
    List<String> lives() {
        if (line.size() > 0) {
            endLine();
        }
        List<String> lives = new ArrayList<>(errors);
        lives.addAll(others);
        return List.copyOf(lives.subList(0, Math.min(kept, lives.size())));
    }

    private static String[] typeAndVerdict(String line) {
        String[] found = new String[2];
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return found;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (field.equals("type")) {
                    found[0] = parser.getText();
                } else if (field.equals("verdict")) {
                    found[1] = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            // not JSON: not a diagnosis
        }
        return found;
    }
}
