package nettrace.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** What tests wait on: a pause, or a condition polled until it holds. */
public final class Waiting {
    private Waiting() {
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls done every pollMillis; after timeout, fails with the message failure gives then. */
    public static void until(BooleanSupplier done, Duration timeout, long pollMillis, Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(failure.get());
            }
            sleep(pollMillis);
        }
    }
}
