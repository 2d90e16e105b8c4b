package nettrace.monitor.capture;

import java.io.OutputStream;
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
 * run in this process on a derived filter, for a few packets' lives or seconds. Of its JSON
 * lines, as many diagnosed lives as -c asks for are kept, those that ended in an error first.
 */
public final class CaptureRunner {
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
                Integer.toString(lives), "--duration", Double.toString(duration.toMillis() / 1000.0),
                // the monitor's threads keep their priority: a capture is a few packets, not a flood
                "--nice", "0"));
        options.addAll(filter);
        return List.copyOf(options);
    }

    public Result run(List<String> filter) {
        List<String> options = options(filter);
        DiagnosedLines out = new DiagnosedLines(lives);
        // the capture's messages (lost events, what could not be attached) are the monitor's to
        // ignore: its result is the lives, or the exception that ended it
        Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
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
        return new Result(options, out.lives(), "");
    }

    /** Stops the capture under way, if one is (the monitor is stopping). */
    public void stop() {
        RunControl control = running;
        if (control != null) {
            control.stop("monitor stopping");
        }
    }
}
