package nettrace.trace;

import java.io.IOException;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.event.EventDecoder;
import nettrace.event.EventSink;
import nettrace.libbpf.RingBuffer;
import nettrace.output.Console;
import nettrace.output.JsonOutput;
import nettrace.probe.ProbeSet;

/**
 * The consuming side of a run: announces the start, feeds ring-buffer records to the mode's
 * sink until a stop condition holds, then reports what was seen and lost.
 */
final class TraceLoop {
    /** The BPF side wakes the loop only when much is waiting: below that, it looks this often. */
    private static final int POLL_MILLIS = 10;

    private final Config config;
    private final ProbeSet probes;
    private final EventSink sink;
    private final Console console;
    private final RunControl stop;
    private long events;

    TraceLoop(Config config, ProbeSet probes, EventSink sink, Console console, RunControl stop) {
        this.config = config;
        this.probes = probes;
        this.sink = sink;
        this.console = console;
        this.stop = stop;
    }

    private static final long LOSS_CHECK_NANOS = 1_000_000_000L;
    private long lastLossCheck;
    private long reportedLost;

    int run() {
        EventDecoder decoder = new EventDecoder(config.output().detail(), probes.int32Returns());
        long limit = config.count();
        RingBuffer.RecordHandler handler = (data, offset, length) -> {
            if (limit > 0 && sink.completed() >= limit) {
                return;
            }
            events++;
            sink.accept(decoder.decode(data, offset, length));
        };
        RingBuffer ring = probes.events();
        if (config.output().json()) {
            console.message("begin trace...");
        } else {
            console.lineNow("begin trace...");
        }
        stop.markBegun();
        Process command = startCommand();
        long deadline = config.duration().map(d -> Math.addExact(System.nanoTime(), d.toNanos()))
                .orElse(Long.MAX_VALUE);
        while (!stop.stopped()) {
            int handled = ring.poll(POLL_MILLIS, handler);
            long now = System.nanoTime();
            if (limit > 0 && sink.completed() >= limit) {
                stop.stop("count reached");
            }
            sink.idle(now);
            if (config.verbosity().verbose() && now - lastLossCheck >= LOSS_CHECK_NANOS) {
                lastLossCheck = now;
                reportNewLoss();
            }
            if (now >= deadline) {
                stop.stop("duration elapsed");
            }
            if (console.outputClosed()) {
                stop.stop("output closed");
            }
        }
        if (!(limit > 0 && sink.completed() >= limit)) {
            ring.drain(handler);
        }
        sink.finish();
        int exitCode = finishCommand(command);
        long lost = probes.lostEvents();
        long limited = probes.rateLimited();
        if (limited > 0) {
            console.message("nettrace: " + limited + " events held back by --rate-limit");
        }
        if (config.output().json()) {
            JsonOutput.summary(console, events, lost, probes.livesNotFollowed(), stop.reason());
        } else {
            console.line("end trace...");
            console.flush();
        }
        if (config.verbosity().verbose() || lost > 0) {
            console.message("nettrace: " + events + " events" + (lost > 0 ? ", " + lost + " lost (ring buffer full)" : "")
                    + "; stopped: " + stop.reason());
        }
        return exitCode;
    }

    /** -v: lost events as they happen (the BPF side counts them per CPU), never more than once a second. */
    private void reportNewLoss() {
        long lost = probes.lostEvents();
        if (lost > reportedLost) {
            console.message("nettrace: " + (lost - reportedLost) + " events lost in the last second (ring buffer full; "
                    + lost + " so far)");
            reportedLost = lost;
        }
    }

    private Process startCommand() {
        if (config.command().isEmpty()) {
            return null;
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(config.command()).inheritIO();
            boolean recordsOnStdout = config.output().json() && config.output().file().isEmpty();
            if (recordsOnStdout) {
                builder.redirectOutput(ProcessBuilder.Redirect.PIPE);
            }
            Process process = builder.start();
            if (recordsOnStdout) {
                // stdout holds JSON records only: the command's output goes to stderr
                Thread.ofVirtual().start(() -> copy(process.getInputStream(), console.errorStream()));
            }
            process.onExit().thenRun(() -> stop.stop("command exited"));
            return process;
        } catch (IOException e) {
            stop.stop("command failed");
            throw new NettraceException("cannot run " + config.command().getFirst() + ": " + e.getMessage());
        }
    }

    private static void copy(java.io.InputStream from, java.io.PrintStream to) {
        try (from) {
            byte[] chunk = new byte[8192];
            for (int read = from.read(chunk); read >= 0; read = from.read(chunk)) {
                to.write(chunk, 0, read);
                to.flush();
            }
        } catch (IOException e) {
            // the command closed its output, or ended
        }
    }

    private static int finishCommand(Process command) {
        if (command == null) {
            return 0;
        }
        // the command's status when it ended by itself; 0 when the trace ended first and stopped it
        boolean stoppedByUs = command.isAlive();
        if (stoppedByUs) {
            command.destroy();
        }
        try {
            int status = command.waitFor();
            return stoppedByUs ? 0 : status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
