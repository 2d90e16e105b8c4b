package nettrace.event;

/** A sink that looks at events on their way to another: everything but accept is passed on. */
public abstract class ForwardingSink implements EventSink {
    protected final EventSink next;

    protected ForwardingSink(EventSink next) {
        this.next = next;
    }

    @Override
    public void idle(long nowNanos) {
        next.idle(nowNanos);
    }

    @Override
    public long nextDeadline() {
        return next.nextDeadline();
    }

    @Override
    public void tracingBegan(long nowNanos) {
        next.tracingBegan(nowNanos);
    }

    @Override
    public void finish() {
        next.finish();
    }

    @Override
    public long completed() {
        return next.completed();
    }
}
