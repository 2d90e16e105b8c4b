package nettrace.event;

/** A consumer of decoded events: a mode's printer or analysis. Called from one thread. */
public interface EventSink {
    void accept(SkbEvent event);

    /** Called when no events are waiting: a chance to flush output or expire old state. */
    default void idle(long nowNanos) {
    }

    /**
     * When (System.nanoTime) idle must be called even if no event comes, Long.MAX_VALUE for
     * never: a run with nothing to trace sleeps until its next event or this deadline.
     */
    default long nextDeadline() {
        return Long.MAX_VALUE;
    }

    /**
     * Called once every tracer is attached (System.nanoTime, the clock of the events' timestamps):
     * what began before was seen by only some of the tracers.
     */
    default void tracingBegan(long nowNanos) {
    }

    /** Called once when tracing stops, after the last event. */
    default void finish() {
    }

    /** Units counted by -c: events in basic mode, whole skb lives in lifecycle mode. */
    long completed();
}
