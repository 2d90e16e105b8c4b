package nettrace.trace;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Why and when tracing stops: a signal, the count, the duration, the command's exit, a closed
 * stdout or the diagnosis' first error. The first reason wins.
 */
public final class StopSignal {
    private volatile String reason;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private static final java.util.List<String> SIGNALS = java.util.List.of("INT", "TERM", "HUP");

    /** Makes SIGINT, SIGTERM and SIGHUP stop the run (and not the JVM), so everything is detached. */
    public StopSignal onSignals() {
        for (String name : SIGNALS) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop("SIG" + signal.getName()));
            } catch (IllegalArgumentException e) {
                // the JVM reserves this signal here; the others still stop the run
            }
        }
        return this;
    }

    public void stop(String why) {
        synchronized (this) {
            if (reason == null) {
                reason = why;
            }
        }
        stopped.countDown();
    }

    public boolean stopped() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    boolean await(long millis) throws InterruptedException {
        return stopped.await(millis, TimeUnit.MILLISECONDS);
    }
}
