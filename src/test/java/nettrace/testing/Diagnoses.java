package nettrace.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * The lives a `--diag --output json` run printed, read back for assertions on what was
 * diagnosed rather than on how the text looks.
 */
public record Diagnoses(List<JsonNode> lives, TracedRun.Output output) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Diagnoses of(TracedRun.Output output) {
        return new Diagnoses(jsonLines(output).stream()
                .filter(record -> record.path("type").asText().equals("diagnosis")).toList(), output);
    }

    /** Every line of a run's --output json, read. */
    public static List<JsonNode> jsonLines(TracedRun.Output output) {
        List<JsonNode> records = new ArrayList<>();
        for (String line : output.lines()) {
            try {
                records.add(JSON.readTree(line));
            } catch (JsonProcessingException e) {
                throw new AssertionError("not a JSON line: " + line + "\n" + output, e);
            }
        }
        return records;
    }

    public static List<JsonNode> events(JsonNode life) {
        return StreamSupport.stream(life.path("events").spliterator(), false).toList();
    }

    public static List<JsonNode> findings(JsonNode life) {
        return events(life).stream().flatMap(event -> StreamSupport.stream(event.path("findings").spliterator(),
                false)).toList();
    }

    /** The findings of a level ("error", "warn", "info") in a life. */
    public static List<JsonNode> findings(JsonNode life, String level) {
        return findings(life).stream().filter(finding -> finding.path("level").asText().equals(level)).toList();
    }

    /** The kfree_skb events of a life. */
    public static List<JsonNode> drops(JsonNode life) {
        return events(life).stream().filter(event -> event.path("tracer").asText().equals("kfree_skb")).toList();
    }

    /** The lives with a kfree_skb event of this reason. */
    public List<JsonNode> droppedFor(String reason) {
        return lives.stream().filter(life -> drops(life).stream()
                .anyMatch(drop -> drop.path("drop_reason").asText().equals(reason))).toList();
    }

    /** The lives with any kfree_skb event. */
    public List<JsonNode> dropped() {
        return lives.stream().filter(life -> !drops(life).isEmpty()).toList();
    }

    public List<JsonNode> withVerdict(String verdict) {
        return lives.stream().filter(life -> life.path("verdict").asText().equals(verdict)).toList();
    }

    @Override
    public String toString() {
        return output.toString();
    }
}
