package nettrace.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import nettrace.NettraceException;
import nettrace.cli.MonitorCommand;
import nettrace.cli.NettraceCommand;
import nettrace.monitor.Monitor;
import nettrace.monitor.MonitorConfig;
import nettrace.output.Console;
import nettrace.trace.RunControl;
import picocli.CommandLine;

/**
 * `nettrace monitor` running inside the test's JVM on a thread, its options parsed by the real
 * command line, listening on a free port of 127.0.0.1 and logging to a file. start() returns once
 * the log says "started" (everything attached); stop() detaches and returns the exit code.
 */
public final class MonitorRun implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("nettrace.test.timeout", 120));
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final int port;
    private final Path log;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final RunControl control = new RunControl();
    private final CompletableFuture<Integer> exit;

    private MonitorRun(MonitorConfig config, int port, Path log) {
        this.port = port;
        this.log = log;
        Console console = new Console(PrintStream.nullOutputStream(), new PrintStream(err, true, StandardCharsets.UTF_8));
        exit = CompletableFuture.supplyAsync(() -> {
            try {
                return Monitor.run(config, console, control);
            } catch (NettraceException e) {
                console.error(e.getMessage());
                return e.exitCode();
            }
        }, runnable -> new Thread(runnable, "nettrace-monitor").start());
    }

    /** Starts the monitor with these options (plus --listen and --log) and waits until it is attached. */
    public static MonitorRun start(Path folder, String... options) {
        int port = freePort();
        Path log = folder.resolve("monitor-" + port + ".log");
        List<String> arguments = new ArrayList<>(List.of("monitor", "--listen", "127.0.0.1:" + port, "--log",
                log.toString()));
        arguments.addAll(List.of(options));
        MonitorRun run = new MonitorRun(parse(arguments.toArray(String[]::new)), port, log);
        run.awaitStarted();
        return run;
    }

    /** The configuration the real command line makes of `nettrace ARGUMENTS` (the first one "monitor"). */
    public static MonitorConfig parse(String... arguments) {
        CommandLine commandLine = new CommandLine(new NettraceCommand());
        CommandLine.ParseResult parsed = commandLine.parseArgs(arguments);
        return ((MonitorCommand) parsed.subcommand().commandSpec().userObject()).toConfig();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitStarted() {
        Waiting.until(() -> {
            if (exit.isDone()) {
                throw new IllegalStateException("the monitor ended before it started (exit " + exit.join() + "): "
                        + errors());
            }
            return log().stream().anyMatch(line -> line.contains("\"event\":\"started\""));
        }, TIMEOUT, 50, () -> "the monitor did not start within " + TIMEOUT + ": " + errors());
    }

    public int port() {
        return port;
    }

    public List<String> log() {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** GET path from the monitor, with an Accept header when given. */
    public String get(String path, String accept) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30));
            if (accept != null) {
                request.header("Accept", accept);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(path + ": HTTP " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** /metrics in the Prometheus text format. */
    public String metrics() {
        return get("/metrics", null);
    }

    /** The value of the series of /metrics whose line starts with this name and contains every fragment. */
    public double value(String name, String... fragments) {
        return metrics().lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> java.util.Arrays.stream(fragments).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Stops the monitor (as SIGTERM would) and returns its exit code. */
    public int stop() {
        control.stop("test");
        try {
            return exit.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the monitor did not stop: " + errors(), e);
        }
    }

    @Override
    public void close() {
        if (!exit.isDone()) {
            stop();
        }
    }
}
