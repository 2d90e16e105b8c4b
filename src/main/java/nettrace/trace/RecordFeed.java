package nettrace.trace;

import java.nio.ByteBuffer;
import nettrace.event.EventDecoder;
import nettrace.event.EventSink;
import nettrace.libbpf.RingBuffer;

/**
 * Hands ring-buffer records to a sink, decoded, until the sink has completed limit units (0: no
 * limit). The run and its warm-up both feed through this one class, so the JIT compiles the
 * ring's loop for the one kind of handler it will meet.
 */
final class RecordFeed implements RingBuffer.RecordHandler {
    private final EventDecoder decoder;
    private final EventSink sink;
    private final long limit;
    private long events;

    RecordFeed(EventDecoder decoder, EventSink sink, long limit) {
        this.decoder = decoder;
        this.sink = sink;
        this.limit = limit;
    }

    @Override
    public void onRecord(ByteBuffer data, int offset, int length) {
        if (limitReached()) {
            return;
        }
        events++;
        sink.accept(decoder.decode(data, offset, length));
    }

    boolean limitReached() {
        return limit > 0 && sink.completed() >= limit;
    }

    /** Events handed to the sink so far. */
    long events() {
        return events;
    }
}
