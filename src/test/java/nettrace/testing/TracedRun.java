package nettrace.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import nettrace.NettraceException;
import nettrace.cli.NettraceCommand;
import nettrace.config.Config;
import nettrace.output.Console;
import nettrace.trace.Nettrace;
import nettrace.trace.RunControl;
import picocli.CommandLine;

/**
 * nettrace running inside the test's JVM on a thread: options parsed by the real command
 * line, output captured. start() returns once "begin trace..." is printed (everything is
 * attached); stop() detaches and returns what was printed.
 */
public final class TracedRun implements AutoCloseable {
    /** Generous, and longer still under emulation (vm/test sets nettrace.test.timeout). */
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(Long.getLong("nettrace.test.timeout", 120));

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final RunControl stop = new RunControl();
    private final CompletableFuture<Integer> exit;

    private TracedRun(Config config) {
        Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        exit = CompletableFuture.supplyAsync(() -> {
            try {
                return Nettrace.run(config, console, stop);
            } catch (NettraceException e) {
                console.error(e.getMessage());
                return e.exitCode();
            }
        }, runnable -> new Thread(runnable, "nettrace").start());
    }

    public static TracedRun start(String... arguments) {
        TracedRun run = launch(arguments);
        run.awaitBegin();
        return run;
    }

    /** Runs nettrace to its end, for runs that are not expected to begin tracing. */
    public static Output runToEnd(String... arguments) {
        try (TracedRun run = launch(arguments)) {
            return run.awaitExit();
        }
    }

    private static TracedRun launch(String... arguments) {
        NettraceCommand command = new NettraceCommand();
        new CommandLine(command).parseArgs(arguments);
        return new TracedRun(command.toConfig());
    }

    private void awaitBegin() {
        long deadline = System.nanoTime() + ATTACH_TIMEOUT.toNanos();
        // with --output json the line goes to stderr, keeping stdout pure JSON
        while (!output().contains("begin trace...") && !errors().contains("begin trace...")) {
            if (exit.isDone()) {
                throw new IllegalStateException("nettrace ended before tracing began (exit " + exit.join() + "): "
                        + errors());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nettrace did not begin within " + ATTACH_TIMEOUT + ": " + errors());
            }
            sleep(20);
        }
    }

    /** Waits, while nettrace runs, until what it printed contains text; fails after the timeout. */
    public void awaitOutput(String text) {
        long deadline = System.nanoTime() + ATTACH_TIMEOUT.toNanos();
        while (!output().contains(text)) {
            if (exit.isDone() || System.nanoTime() > deadline) {
                throw new IllegalStateException("nettrace did not print '" + text + "' while running; it printed:\n"
                        + output() + errors());
            }
            sleep(20);
        }
    }

    /** Stops tracing (as Ctrl-C would) and waits for nettrace to finish. */
    public Output stop() {
        sleep(300); // events of traffic just sent may still be on their way through the ring buffer
        stop.stop("test");
        return awaitExit();
    }

    /** Waits for nettrace to stop by itself (count, duration, command, first error). */
    public Output awaitExit() {
        try {
            int code = exit.get(ATTACH_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new Output(code, output(), errors());
        } catch (Exception e) {
            stop.stop("test timeout");
            throw new IllegalStateException("nettrace did not stop: " + errors(), e);
        }
    }

    private String output() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!exit.isDone()) {
            stop.stop("test cleanup");
            exit.join();
        }
    }

    /** What a finished run printed. */
    public record Output(int exitCode, String stdout, String stderr) {
        public List<String> lines() {
            return stdout.lines().toList();
        }

        private static final java.util.regex.Pattern EVENT = java.util.regex.Pattern.compile(
                "^\\[(\\d+\\.\\d{6}|\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6})] \\[.*");

        /** Trace lines: an event's timestamp, then its tracer. */
        public List<String> events() {
            return stdout.lines().filter(line -> EVENT.matcher(line).matches()).toList();
        }

        public List<String> eventsAt(String tracer) {
            return events().stream().filter(line -> line.contains("[" + tracer + " ") || line.contains("[" + tracer
                    + "]")).toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }
}
