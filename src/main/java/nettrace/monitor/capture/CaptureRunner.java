package nettrace.monitor.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.output.Console;
import nettrace.trace.Nettrace;
import nettrace.trace.RunControl;

/**
 * One capture: nettrace's own lifecycle tracing and diagnosis (--diag --diag-keep --output json)
 * run in this process on a derived filter, for a few packets' lives or seconds, its JSON lines
 * kept in memory. The diagnosed lives that ended in an error come first.
 */
public final class CaptureRunner {
    private static final JsonFactory JSON = new JsonFactory();

    /** What a capture gave: the options it ran with, the diagnosed lives (JSON), or why it failed. */
    public record Result(List<String> options, List<String> lives, String error) {
    }

    private final Function<List<String>, Config> commandLine;
    private final int lives;
    private final Duration duration;
    private volatile RunControl running;

    /** @param commandLine nettrace's own command line: options in, a checked configuration out */
    public CaptureRunner(Function<List<String>, Config> commandLine, int lives, Duration duration) {
        this.commandLine = commandLine;
        this.lives = lives;
        this.duration = duration;
    }

    /** The options a capture on filter runs with. */
    public List<String> options(List<String> filter) {
        List<String> options = new ArrayList<>(List.of("--diag", "--diag-keep", "--output", "json", "-c",
                Integer.toString(lives), "--duration", Double.toString(duration.toMillis() / 1000.0)));
        options.addAll(filter);
        return List.copyOf(options);
    }

    public Result run(List<String> filter) {
        List<String> options = options(filter);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        RunControl control = new RunControl();
        running = control;
        try {
            Nettrace.run(commandLine.apply(options), console, control);
        } catch (NettraceException e) {
            return new Result(options, List.of(), e.getMessage());
        } catch (RuntimeException e) {
            // a capture's failure is the capture's: the monitor goes on counting
            return new Result(options, List.of(), "the capture failed: " + e);
        } finally {
            running = null;
        }
        console.flush();
        return new Result(options, diagnosedLives(out.toString(StandardCharsets.UTF_8)), "");
    }

    /** Stops the capture under way, if one is (the monitor is stopping). */
    public void stop() {
        RunControl control = running;
        if (control != null) {
            control.stop("monitor stopping");
        }
    }

    /** The "diagnosis" lines, those whose verdict is "error" first. */
    static List<String> diagnosedLives(String output) {
        List<String> errors = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] typeAndVerdict = typeAndVerdict(line);
            if (!"diagnosis".equals(typeAndVerdict[0])) {
                continue;
            }
            ("error".equals(typeAndVerdict[1]) ? errors : others).add(line);
        }
        errors.addAll(others);
        return List.copyOf(errors);
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
