package nettrace.trace;

import java.io.IOException;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.event.EventDecoder;
import nettrace.event.EventSink;
import nettrace.libbpf.RingBuffer;
import nettrace.output.Console;
import nettrace.output.Summary;
import nettrace.record.Recorder;
import nettrace.probe.ProbeSet;

/**
 * The consuming side of a run: announces the start, feeds ring-buffer records to the mode's
 * sink until a stop condition holds, then reports what was seen and lost.
 */
final class TraceLoop {
    /**
     * While records come, the loop looks this often: the BPF side wakes it earlier only for a
     * large backlog. Once a look finds nothing, it sleeps until the next record or deadline.
     */
    private static final int BUSY_POLL_MILLIS = 10;

    private final Config config;
    private final ProbeSet probes;
    private final EventSink sink;
    private final Console console;
    private final RunControl stop;
    private final RecordFeed feed;
    private Recorder recorder;

    TraceLoop(Config config, ProbeSet probes, EventSink sink, EventDecoder decoder, Console console,
            RunControl stop) {
        this.config = config;
        this.probes = probes;
        this.sink = sink;
        this.console = console;
        this.stop = stop;
        this.feed = new RecordFeed(decoder, sink, config.count());
    }

    /** The run's recorder (--record), told the summary at the end; null when nothing is recorded. */
    TraceLoop recordingTo(Recorder recorder) {
        this.recorder = recorder;
        return this;
    }

    private static final long LOSS_CHECK_NANOS = 1_000_000_000L;
    private long lastLossCheck;
    private long eventsAtLossCheck;
    private long reportedLost;

    int run() {
        RingBuffer ring = probes.events();
        sink.tracingBegan(System.nanoTime());
        Banner.begin(config, console);
        stop.markBegun();
        Process command = startCommand();
        // after the command started: it runs at the priority it was given, not the reader's
        ReaderPriority.raise(config.reading().nice(), config.verbosity().verbose() ? console::message : line -> { });
        long deadline = config.duration().map(d -> Math.addExact(System.nanoTime(), d.toNanos()))
                .orElse(Long.MAX_VALUE);
        stop.wakeLoopWith(ring::wakeUp);
        try {
            boolean quiet = false;
            long now = System.nanoTime();
            while (!stop.stopped()) {
                int handled = quiet
                        ? ring.poll(millisUntil(Math.min(deadline, nextDeadline()), now), true, feed)
                        : ring.poll(BUSY_POLL_MILLIS, false, feed);
                quiet = handled == 0;
                now = System.nanoTime();
                sink.idle(now);
                if (feed.limitReached()) {
                    stop.stop("count reached");
                }
                if (now >= lossCheckDue()) {
                    lastLossCheck = now;
                    eventsAtLossCheck = feed.events();
                    reportNewLoss();
                }
                if (now >= deadline) {
                    stop.stop("duration elapsed");
                }
                if (console.outputClosed()) {
                    stop.stop("output closed");
                }
            }
        } finally {
            stop.wakeLoopWith(null);
        }
        if (!feed.limitReached()) {
            ring.drain(feed);
        }
        sink.finish();
        int exitCode = finishCommand(command);
        long lost = probes.lostEvents();
        long limited = probes.rateLimited();
        if (limited > 0) {
            console.message("nettrace: " + limited + " events held back by --rate-limit");
        }
        Summary summary = new Summary(feed.events(), lost, probes.livesNotFollowed(), stop.reason());
        if (recorder != null) {
            recorder.end(summary);
        }
        Banner.end(config, console, summary);
        if (config.verbosity().verbose() || lost > 0) {
            console.message("nettrace: " + feed.events() + " events"
                    + (lost > 0 ? ", " + lost + " lost (ring buffer full; a larger --ring-size rides out longer bursts)"
                            : "")
                    + "; stopped: " + stop.reason());
        }
        stop.markReported();
        return exitCode;
    }

    private long nextDeadline() {
        return Math.min(sink.nextDeadline(), lossCheckDue());
    }

    /**
     * -v looks for lost events once a second while events come: events are lost only while the
     * ring is full, and then the loop is awake handling the ones that were not.
     */
    private long lossCheckDue() {
        return config.verbosity().verbose() && feed.events() != eventsAtLossCheck ? lastLossCheck + LOSS_CHECK_NANOS
                : Long.MAX_VALUE;
    }

    /** Milliseconds from now to deadline, rounded up (the wait must not end before it); -1 for none. */
    static int millisUntil(long deadline, long now) {
        if (deadline == Long.MAX_VALUE) {
            return -1;
        }
        long nanos = deadline - now;
        if (nanos <= 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceilDiv(nanos, 1_000_000L));
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
            boolean recordsOnStdout = config.output().machineReadableStdout();
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
