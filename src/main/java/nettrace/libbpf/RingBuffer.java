package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Consumer of a BPF ring buffer map, reading the kernel's mapping directly: no upcall and no
 * copy per record. The kernel would map the data area twice in a row, so that a record wrapping
 * around the end is contiguous; but it maps every page at once, and the second copy would count
 * the ring's size again in the resident set. It is mapped once, and the few records that wrap
 * are copied whole into a scratch buffer before they are handed over.
 *
 * <p>Wake-ups. Besides the wake-ups the BPF side forces, the kernel wakes the consumer when a
 * record is committed exactly at the consumer position published in the shared page (its
 * "adaptive" wake-up: the consumer had read everything). A wake-up is an irq_work, a self-IPI,
 * dear under virtualisation; so while records flow, the published position stays one record
 * behind the records read, no record can be committed there, and the caller polls with a short
 * timeout. Only a poll that is to sleep until the next record ({@code wakeOnNextRecord})
 * publishes the true position first, then looks once more: a record committed after that look
 * finds the position it was written at and wakes the consumer, so none is left waiting.
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
    /*
     * Edge-triggered: the ring reports "ready" while the published position is behind the
     * producer, which it is all the time while a record is held back; level-triggered, every
     * wait would return at once.
     */
    private static final int EPOLLET = 1 << 31;
    private static final int EPOLL_EVENT_SIZE = 12;
    private static final int EPOLL_DATA_OFFSET = 4;
    private static final long RING_READY = 0;
    private static final long WAKE_UP_READY = 1;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EINTR = 4;
    /**
     * At most this many bytes of records per poll (~15k events), so a consumer that never catches
     * up with the producer still returns to its caller's periodic work (for lifecycle mode: handing
     * on ended lives). In bytes, part of the loop's own end: a count of records was a branch the
     * warm-up never took, and the first poll of a flood that took it threw the compiled loop away.
     */
    private static final long POLL_BYTES = 2 << 20;
    /*
     * Every producer reads the consumer position on each reservation: written after every
     * record, its cache line moved between the CPUs for each one. The space it frees up is
     * handed back every RELEASE_EVERY records instead (and when a drain stops).
     */
    private static final int RELEASE_EVERY = 64;
    private static final VarHandle LONG_AT = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT_AT = ValueLayout.JAVA_INT.varHandle();

    private final Arena arena;
    private final long size;
    private final long mask;
    private final MemorySegment consumerPage;
    private final MemorySegment producerArea;
    private final MemorySegment data;
    private final ByteBuffer view;
    private MemorySegment scratch = MemorySegment.NULL;
    private ByteBuffer scratchView;
    private final boolean inMemory;
    private final int epollFd;
    private final int wakeUpFd;
    private final MemorySegment epollEvents;
    private final MemorySegment epollState;
    private final MemorySegment wakeUpCount;
    private final MemorySegment wakeUpsRead;
    /** the next record to read; the shared page has where the kernel may write up to */
    private long position;
    private boolean closed;

    /** A ring in the memory given; mapFd, the kernel's ring buffer map, is watched unless negative. */
    private RingBuffer(Arena arena, long size, MemorySegment consumerPage, MemorySegment producerArea,
            MemorySegment data, int mapFd) {
        this.arena = arena;
        this.inMemory = mapFd < 0;
        this.size = size;
        this.mask = size - 1;
        this.consumerPage = consumerPage;
        this.producerArea = producerArea;
        this.data = data;
        this.view = data.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.position = (long) LONG_AT.getAcquire(consumerPage, 0L);
        this.epollState = Native.callState(arena);
        this.epollEvents = arena.allocate(2 * EPOLL_EVENT_SIZE, 8);
        this.wakeUpCount = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
        this.wakeUpsRead = arena.allocate(ValueLayout.JAVA_LONG);
        int ep = Native.callInt(Libbpf.EPOLL_CREATE1, epollState, EPOLL_CLOEXEC);
        if (ep < 0) {
            throw new BpfException("epoll_create1", Native.errno(epollState), "");
        }
        this.epollFd = ep;
        int wake = Native.callInt(Libbpf.EVENTFD, epollState, 0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake < 0) {
            Native.call(Libbpf.CLOSE, epollFd);
            throw new BpfException("eventfd", Native.errno(epollState), "");
        }
        this.wakeUpFd = wake;
        if (mapFd >= 0) {
            watch(mapFd, EPOLLIN | EPOLLET, RING_READY);
        }
        watch(wakeUpFd, EPOLLIN, WAKE_UP_READY);
    }

    private void watch(int fd, int events, long tag) {
        MemorySegment event = arena.allocate(EPOLL_EVENT_SIZE, 8);
        event.set(ValueLayout.JAVA_INT, 0, events);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, tag);
        if (Native.callInt(Libbpf.EPOLL_CTL, epollState, epollFd, EPOLL_CTL_ADD, fd, event) < 0) {
            int errno = Native.errno(epollState);
            Native.call(Libbpf.CLOSE, wakeUpFd);
            Native.call(Libbpf.CLOSE, epollFd);
            throw new BpfException("epoll_ctl", errno, "ring buffer");
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
        Arena arena = Arena.ofShared();
        long pageSize = Native.callInt(Libbpf.GETPAGESIZE);
        MemorySegment consumerPage = map(arena, pageSize, PROT_READ | PROT_WRITE, map.fd(), 0);
        MemorySegment producerArea = map(arena, pageSize + size, PROT_READ, map.fd(), pageSize);
        return new RingBuffer(arena, size, consumerPage, producerArea, producerArea.asSlice(pageSize), map.fd());
    }

    /**
     * A ring of size bytes (a power of two) in this process's memory, which {@link #reserve} and
     * {@link #commit} write as the BPF side does: for code that replays made-up records through
     * the consumer's real path (the JIT then compiles it for the real ones). Its polls never wait.
     */
    public static RingBuffer inMemory(long size) {
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("a ring's size is a power of two, not " + size);
        }
        Arena arena = Arena.ofShared();
        return new RingBuffer(arena, size, arena.allocate(8, 8), arena.allocate(8, 8), arena.allocate(size, 8), -1);
    }

    /**
     * In-memory rings: reserves room for a record of length bytes, busy (a drain stops there)
     * until committed; returns its position.
     */
    public long reserve(int length) {
        checkInMemory();
        long producer = (long) LONG_AT.getAcquire(producerArea, 0L);
        long next = producer + ((length + HEADER_SIZE + 7) & ~7L);
        if (next - (long) LONG_AT.getAcquire(consumerPage, 0L) > size) {
            throw new IllegalStateException("the ring is full");
        }
        INT_AT.setRelease(data, producer & mask, length | BUSY_BIT);
        LONG_AT.setRelease(producerArea, 0L, next);
        return producer;
    }

    /** In-memory rings: writes the record reserved at position from bytes [offset, offset + length) of source. */
    public void commit(long position, ByteBuffer source, int offset, int length) {
        checkInMemory();
        int start = (int) ((position + HEADER_SIZE) & mask);
        int first = (int) Math.min(length, size - start);
        MemorySegment from = MemorySegment.ofBuffer(source);
        MemorySegment.copy(from, offset, data, start, first);
        MemorySegment.copy(from, offset + first, data, 0, length - first);
        INT_AT.setRelease(data, position & mask, length);
    }

    private void checkInMemory() {
        if (!inMemory) {
            throw new IllegalStateException("only the BPF side writes a ring buffer map");
        }
    }

    private static MemorySegment map(Arena arena, long length, int protection, int fd, long offset) {
        MemorySegment state = Native.callState(arena);
        MemorySegment address = Native.callPointer(Libbpf.MMAP, state, MemorySegment.NULL, length, protection,
                MAP_SHARED, fd, offset);
        if (address.address() == -1L) {
            throw new BpfException("mmap", Native.errno(state), "ring buffer");
        }
        return address.reinterpret(length, arena, mapped -> Native.call(Libbpf.MUNMAP, mapped, length));
    }

    /**
     * Hands over the records that are ready; when there are none, waits up to timeoutMillis
     * (negative: with no limit) for the kernel to wake us, or for {@link #wakeUp}, and hands over
     * what came. With wakeOnNextRecord the kernel is asked to wake us for the next record;
     * without, only the BPF side's own wake-ups end the wait early (see the class comment).
     *
     * @return the number of records handled
     */
    public int poll(int timeoutMillis, boolean wakeOnNextRecord, RecordHandler handler) {
        int handled = drain(handler, POLL_BYTES, true);
        if (handled > 0) {
            return handled;
        }
        if (wakeOnNextRecord) {
            release(position);
            // a record committed before the release woke nobody: look again now it is published
            handled = drain(handler, POLL_BYTES, true);
            if (handled > 0) {
                return handled;
            }
        }
        int ready = Native.callInt(Libbpf.EPOLL_WAIT, epollState, epollFd, epollEvents, 2, timeoutMillis);
        if (ready < 0 && Native.errno(epollState) != EINTR) {
            throw new BpfException("epoll_wait", Native.errno(epollState), "ring buffer");
        }
        for (int i = 0; i < ready; i++) {
            long tag = epollEvents.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
            if (tag == WAKE_UP_READY) {
                Native.call(Libbpf.READ, wakeUpFd, wakeUpsRead, 8L);
            }
        }
        return drain(handler, POLL_BYTES, true);
    }

    /** Ends the wait of a poll now, or the next poll's if none waits; from any thread. */
    public synchronized void wakeUp() {
        if (!closed) {
            Native.call(Libbpf.WRITE, wakeUpFd, wakeUpCount, 8L);
        }
    }

    /** Hands over every record already committed, without waiting. */
    public int drain(RecordHandler handler) {
        return drain(handler, Long.MAX_VALUE / 2, false);
    }

    /**
     * Hands over the committed records that start within maxBytes. The space read is given back
     * to the producers as it goes, all but the last record's when holdBack (its position would
     * draw a wake-up).
     */
    private int drain(RecordHandler handler, long maxBytes, boolean holdBack) {
        long consumer = position;
        long limit = consumer + maxBytes;
        long lastRecord = -1;
        int handled = 0;
        boolean progress;
        do {
            progress = false;
            long end = Math.min((long) LONG_AT.getAcquire(producerArea, 0L), limit);
            while (consumer < end) {
                int offset = (int) (consumer & mask);
                int header = (int) INT_AT.getAcquire(data, (long) offset);
                if ((header & BUSY_BIT) != 0) {
                    break;
                }
                int length = header & ~(BUSY_BIT | DISCARD_BIT);
                if ((header & DISCARD_BIT) == 0) {
                    int start = (int) ((consumer + HEADER_SIZE) & mask);
                    if (start + length <= size) {
                        handler.onRecord(view, start, length);
                    } else {
                        handler.onRecord(unwrapped(start, length), 0, length);
                    }
                    handled++;
                }
                lastRecord = consumer;
                consumer += (length + HEADER_SIZE + 7) & ~7L;
                if ((handled & (RELEASE_EVERY - 1)) == 0) {
                    release(lastRecord);
                }
                progress = true;
            }
            position = consumer;
            if (lastRecord >= 0) {
                release(holdBack ? lastRecord : consumer);
            }
        } while (progress);
        return handled;
    }

    /** A record that wraps around the end of the data area, copied in one piece. */
    private ByteBuffer unwrapped(int start, int length) {
        if (scratch.byteSize() < length) {
            scratch = arena.allocate(length, 8);
            scratchView = scratch.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        long first = size - start;
        MemorySegment.copy(data, start, scratch, 0, first);
        MemorySegment.copy(data, 0, scratch, first, length - first);
        return scratchView;
    }

    /** Publishes how far the producers may write; the fence orders it before the next look. */
    private void release(long upTo) {
        LONG_AT.setRelease(consumerPage, 0L, upTo);
        VarHandle.fullFence();
    }

    /** Bytes committed but not yet consumed. */
    public long pending() {
        return (long) LONG_AT.getAcquire(producerArea, 0L) - (long) LONG_AT.getAcquire(consumerPage, 0L);
    }

    public long capacity() {
        return size;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.call(Libbpf.CLOSE, wakeUpFd);
        Native.call(Libbpf.CLOSE, epollFd);
        arena.close();
    }
}
