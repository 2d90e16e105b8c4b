package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Consumer of a BPF ring buffer map, reading the kernel's mapping directly: no upcall and no
 * copy per record. The kernel maps the data area twice in a row, so a record that wraps
 * around the end is still contiguous in the view handed to the handler.
 */
public final class RingBuffer implements AutoCloseable {
    /** Receives each record as bytes [offset, offset + length) of data; valid only during the call. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(ByteBuffer data, int offset, int length);
    }

    private static final int BUSY_BIT = 1 << 31;
    private static final int DISCARD_BIT = 1 << 30;
    private static final int HEADER_SIZE = 8;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLLIN = 1;
    private static final int EPOLL_EVENT_SIZE = 12;
    private static final int EINTR = 4;
    /**
     * At most this many records per poll, so a consumer that never catches up with the producer
     * still returns to its caller's periodic work (for lifecycle mode: handing on ended lives).
     */
    private static final int POLL_BATCH = 16384;
    /*
     * Every producer reads the consumer position on each reservation: written after every
     * record, its cache line moved between the CPUs for each one. The space it frees up is
     * handed back every RELEASE_EVERY records instead (and when a drain stops).
     */
    private static final int RELEASE_EVERY = 64;
    private static final VarHandle LONG_AT = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT_AT = ValueLayout.JAVA_INT.varHandle();

    private final Arena arena = Arena.ofShared();
    private final long pageSize;
    private final long size;
    private final long mask;
    private final MemorySegment consumerPage;
    private final MemorySegment producerArea;
    private final MemorySegment data;
    private final ByteBuffer view;
    private final int epollFd;
    private final MemorySegment epollEvents;
    private final MemorySegment epollState;
    private boolean closed;

    private RingBuffer(int mapFd, long size) {
        this.size = size;
        this.mask = size - 1;
        this.pageSize = Native.callInt(Libbpf.GETPAGESIZE);
        this.consumerPage = map(pageSize, PROT_READ | PROT_WRITE, mapFd, 0);
        this.producerArea = map(pageSize + 2 * size, PROT_READ, mapFd, pageSize);
        this.data = producerArea.asSlice(pageSize);
        this.view = data.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.epollState = Native.callState(arena);
        this.epollEvents = arena.allocate(EPOLL_EVENT_SIZE, 8);
        int ep = Native.callInt(Libbpf.EPOLL_CREATE1, epollState, EPOLL_CLOEXEC);
        if (ep < 0) {
            throw new BpfException("epoll_create1", Native.errno(epollState), "");
        }
        this.epollFd = ep;
        MemorySegment event = arena.allocate(EPOLL_EVENT_SIZE, 8);
        event.set(ValueLayout.JAVA_INT, 0, EPOLLIN);
        if (Native.callInt(Libbpf.EPOLL_CTL, epollState, epollFd, EPOLL_CTL_ADD, mapFd, event) < 0) {
            throw new BpfException("epoll_ctl", Native.errno(epollState), "ring buffer");
        }
    }

    /**
     * Hands use a little-endian buffer of size bytes of the kind records are handed over in
     * (native memory of a shared arena), freed afterwards: for code that replays made-up records
     * and wants the JIT to compile for the real ones.
     */
    public static void withScratchView(long size, java.util.function.Consumer<ByteBuffer> use) {
        try (Arena scratch = Arena.ofShared()) {
            use.accept(scratch.allocate(size, 8).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    /** Maps the ring buffer behind map, which must be a BPF_MAP_TYPE_RINGBUF. */
    public static RingBuffer open(BpfMap map) {
        long size = Integer.toUnsignedLong(map.maxEntries());
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException(map.name() + " is not a ring buffer");
        }
        return new RingBuffer(map.fd(), size);
    }

    private MemorySegment map(long length, int protection, int fd, long offset) {
        MemorySegment state = Native.callState(arena);
        MemorySegment address = Native.callPointer(Libbpf.MMAP, state, MemorySegment.NULL, length, protection,
                MAP_SHARED, fd, offset);
        if (address.address() == -1L) {
            throw new BpfException("mmap", Native.errno(state), "ring buffer");
        }
        return address.reinterpret(length, arena, mapped -> Native.call(Libbpf.MUNMAP, mapped, length));
    }

    /**
     * Waits up to timeoutMillis for records, then hands over all that are ready.
     *
     * @return the number of records handled
     */
    public int poll(int timeoutMillis, RecordHandler handler) {
        int handled = drain(handler, POLL_BATCH);
        if (handled > 0) {
            return handled;
        }
        int ready = Native.callInt(Libbpf.EPOLL_WAIT, epollState, epollFd, epollEvents, 1, timeoutMillis);
        if (ready < 0 && Native.errno(epollState) != EINTR) {
            throw new BpfException("epoll_wait", Native.errno(epollState), "ring buffer");
        }
        return drain(handler, POLL_BATCH);
    }

    /** Hands over every record already committed, without waiting. */
    public int drain(RecordHandler handler) {
        return drain(handler, Integer.MAX_VALUE);
    }

    private int drain(RecordHandler handler, int limit) {
        long consumer = (long) LONG_AT.getAcquire(consumerPage, 0L);
        int handled = 0;
        boolean progress;
        do {
            progress = false;
            long producer = (long) LONG_AT.getAcquire(producerArea, 0L);
            while (consumer < producer && handled < limit) {
                int position = (int) (consumer & mask);
                int header = (int) INT_AT.getAcquire(data, (long) position);
                if ((header & BUSY_BIT) != 0) {
                    break;
                }
                int length = header & ~(BUSY_BIT | DISCARD_BIT);
                if ((header & DISCARD_BIT) == 0) {
                    handler.onRecord(view, position + HEADER_SIZE, length);
                    handled++;
                }
                consumer += (length + HEADER_SIZE + 7) & ~7L;
                if ((handled & (RELEASE_EVERY - 1)) == 0) {
                    LONG_AT.setRelease(consumerPage, 0L, consumer);
                }
                progress = true;
            }
            LONG_AT.setRelease(consumerPage, 0L, consumer);
            VarHandle.fullFence();
        } while (progress);
        return handled;
    }

    /** Bytes committed but not yet consumed. */
    public long pending() {
        return (long) LONG_AT.getAcquire(producerArea, 0L) - (long) LONG_AT.getAcquire(consumerPage, 0L);
    }

    public long capacity() {
        return size;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.call(Libbpf.CLOSE, epollFd);
        arena.close();
    }
}
