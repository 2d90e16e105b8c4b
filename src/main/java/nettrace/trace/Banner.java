package nettrace.trace;

import nettrace.config.Config;
import nettrace.config.OutputFormat;
import nettrace.output.Console;
import nettrace.output.Summary;
import nettrace.output.JsonOutput;

/**
 * The lines around a trace: "begin trace..." once everything is attached, "end trace..." (or
 * JSON's summary line) at the end; JSON keeps stdout for records, so its "begin" goes to stderr.
 * A replay prints the same lines as the run it replays.
 */
public final class Banner {
    private Banner() {
    }

    public static void begin(Config config, Console console) {
        if (config.output().format() == OutputFormat.JSON) {
            console.message("begin trace...");
        } else {
            console.lineNow("begin trace...");
        }
    }

    public static void end(Config config, Console console, Summary summary) {
        if (config.output().format() == OutputFormat.JSON) {
            JsonOutput.summary(console, summary);
        } else {
            console.line("end trace...");
            console.flush();
        }
    }
}
