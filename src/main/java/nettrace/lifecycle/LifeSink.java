package nettrace.lifecycle;

/** Receives each skb life once it is over: a printer, or the diagnosis. */
public interface LifeSink {
    void complete(SkbLife life);

    /** Flushes what was printed; called when the tool is idle and at the end. */
    default void flush() {
    }
}
