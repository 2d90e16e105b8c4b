package nettrace.trace;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The life of a run as other threads see it: when tracing has begun (everything attached),
 * and why and when it stops (a signal, the count, the duration, the command's exit, a closed
 * stdout or the diagnosis' first error; the first reason wins).
 */
public final class RunControl {
    private volatile String reason;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch begun = new CountDownLatch(1);

    private static final java.util.List<String> SIGNALS = java.util.List.of("INT", "TERM", "HUP");

    /** How long a signalled run may take to wind down before the process exits regardless. */
    private static final long WIND_DOWN_MILLIS = 3000;
    private volatile boolean finished;
    private volatile boolean reported;
    private volatile Runnable wakeLoop = () -> { };

    /**
     * Makes SIGINT, SIGTERM and SIGHUP stop the run (and not the JVM), so everything is detached
     * and the summary printed. Should winding down block before the summary is out (stdout's
     * reader stopped reading), the process exits after a while anyway: the kernel detaches the
     * programs of an exiting process. Detaching itself is never cut short: on an emulated machine
     * a hundred fentry links take tens of seconds to go.
     */
    public RunControl onSignals() {
        nettrace.libbpf.NativeProcess.restoreDefaultSignal(nettrace.libbpf.NativeProcess.SIGINT);
        for (String name : SIGNALS) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    stop("SIG" + signal.getName());
                    Thread.ofPlatform().daemon().start(this::exitIfStuck);
                });
            } catch (IllegalArgumentException e) {
                // the JVM reserves this signal here; the others still stop the run
            }
        }
        return this;
    }

    private void exitIfStuck() {
        try {
            Thread.sleep(WIND_DOWN_MILLIS);
        } catch (InterruptedException e) {
            return;
        }
        if (!finished && !reported) {
            System.err.println("nettrace: stopping took too long (is stdout blocked?); exiting, the kernel "
                    + "detaches the programs");
            Runtime.getRuntime().halt(0);
        }
    }

    /** Called once the run has printed its summary; what is left is detaching. */
    void markReported() {
        reported = true;
    }

    /** Called once the run has detached everything and printed its summary. */
    public void markFinished() {
        finished = true;
    }

    public void stop(String why) {
        synchronized (this) {
            if (reason == null) {
                reason = why;
            }
        }
        stopped.countDown();
        wakeLoop.run();
    }

    /** How stop() wakes the trace loop from its wait (null: nothing to wake). */
    void wakeLoopWith(Runnable wake) {
        wakeLoop = wake == null ? () -> { } : wake;
    }

    public boolean stopped() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    /** Waits until the run stops. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    void markBegun() {
        begun.countDown();
    }

    /** Waits up to millis for every program to be attached; true if they are. */
    public boolean awaitBegin(long millis) throws InterruptedException {
        return begun.await(millis, TimeUnit.MILLISECONDS) && !stopped();
    }
}
