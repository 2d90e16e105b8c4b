package nettrace.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import nettrace.NettraceException;
import nettrace.event.EventJsonReader;
import nettrace.event.SkbEvent;
import nettrace.output.Summary;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import nettrace.tracer.TracerTree;

/** A --record file read back: its header, then its events in the order they were recorded. */
public final class Recording implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final BufferedReader lines;
    private final RecordHeader header;
    private final EventJsonReader reader;
    private int lineNumber = 1;
    private Summary summary;

    private Recording(Path path, BufferedReader lines, RecordHeader header, TracerTree tree) {
        this.path = path;
        this.lines = lines;
        this.header = header;
        this.reader = new EventJsonReader((name, group) -> tree.tracer(name)
                .orElseGet(() -> standIn(name, group)));
    }

    /** Opens a record; a file that is none is bad input (one line, exit 2). */
    public static Recording open(Path path, TracerTree tree) {
        BufferedReader lines;
        try {
            lines = Files.newBufferedReader(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw NettraceException.badInput("replay: no such file: " + path);
        } catch (IOException e) {
            throw NettraceException.badInput("replay: cannot read " + path + ": " + e.getMessage());
        }
        try {
            String first = lines.readLine();
            JsonNode header = first == null ? null : parse(path, first, 1);
            if (header == null || !RecordHeader.TYPE.equals(header.path("type").asText())) {
                throw NettraceException.badInput("replay: " + path + " is no nettrace record (made with --record)");
            }
            if (header.path("format").asInt() != RecordHeader.FORMAT) {
                throw NettraceException.badInput("replay: " + path + " has record format "
                        + header.path("format").asInt() + "; this nettrace reads format " + RecordHeader.FORMAT);
            }
            return new Recording(path, lines, header(header), tree);
        } catch (IOException e) {
            throw NettraceException.badInput("replay: cannot read " + path + ": " + e.getMessage());
        } catch (NettraceException e) {
            closeQuietly(lines);
            throw e;
        }
    }

    public RecordHeader header() {
        return header;
    }

    /** How the recorded run ended, once every event was read (a record cut short has none). */
    public Optional<Summary> summary() {
        return Optional.ofNullable(summary);
    }

    /** Hands each recorded event on, in order; returns how many. */
    public long forEach(Consumer<SkbEvent> sink) {
        long events = 0;
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                lineNumber++;
                JsonNode record = parse(path, line, lineNumber);
                switch (record.path("type").asText()) {
                    case "event" -> {
                        sink.accept(read(record));
                        events++;
                    }
                    case "summary" -> summary = new Summary(record.path("events").asLong(),
                            record.path("lost").asLong(), record.path("lives_not_followed").asLong(),
                            record.path("stopped_by").asText());
                    default -> { }
                }
            }
        } catch (IOException e) {
            throw NettraceException.badInput("replay: cannot read " + path + ": " + e.getMessage());
        }
        return events;
    }

    private SkbEvent read(JsonNode record) {
        try {
            return reader.read(record);
        } catch (RuntimeException e) {
            throw NettraceException.badInput("replay: " + path + " line " + lineNumber + " is no event: "
                    + e.getMessage());
        }
    }

    private static JsonNode parse(Path path, String line, int number) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw NettraceException.badInput("replay: " + path + " line " + number + " is not JSON: "
                    + e.getOriginalMessage());
        }
    }

    private static RecordHeader header(JsonNode header) {
        return new RecordHeader(header.path("format").asInt(), header.path("nettrace").asText(),
                header.path("kernel").asText(), header.path("boot_epoch_ns").asLong(), header.path("mode").asText(),
                header.path("options").asText(), strings(header.path("tracers")), strings(header.path("unavailable")),
                header.has("netfilter_detail_missing")
                        ? Optional.of(header.path("netfilter_detail_missing").asText()) : Optional.empty());
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    /** A tracer this version's tree does not know (a record from another version): no rules, no analysis. */
    private static Tracer standIn(String name, String group) {
        return new Tracer(name, group, List.of(), -1, false, Optional.empty(), Optional.empty(), Analyzer.DEFAULT,
                List.of(), false, List.of(), false);
    }

    private static void closeQuietly(BufferedReader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            // nothing was read from it
        }
    }

    @Override
    public void close() {
        closeQuietly(lines);
    }
}
