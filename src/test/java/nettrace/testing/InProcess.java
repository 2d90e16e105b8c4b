package nettrace.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import nettrace.cli.CommandLineRunner;

/** nettrace's command line run inside the test's JVM, its output kept. */
public final class InProcess {
    private InProcess() {
    }

    /** What a command line printed, and its exit code. */
    public record Result(int code, String out, String err) {
    }

    public static Result run(String... arguments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CommandLineRunner.run(arguments, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
