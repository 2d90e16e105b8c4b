package nettrace.trace;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import nettrace.event.EventDecoder;
import nettrace.bpf.EventFlags;
import nettrace.bpf.EventLayout;
import nettrace.bpf.EventSizes;
import nettrace.bpf.PacketLayout;
import nettrace.event.EventContext;
import nettrace.event.EventSink;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.libbpf.RingBuffer;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;

/**
 * Runs the consumer's path (the ring's loop, decoding, grouping, formatting, output) over made-up
 * records while the BPF programs load, so that the JIT has compiled it before the first real
 * event. Cold, the consumer is many times slower than warm, and on a busy machine the first burst
 * of events overflowed the ring buffer within the first half second. The records go through a
 * ring in memory as the BPF side writes them (now and then one still being written when the
 * consumer looks, and one cut by the ring's end), and are read by the same polls as a run's.
 *
 * The records are packets passing up to five of the plan's plain tracers in turn and then one
 * that frees them (but for every eighth, which is never seen freed), alternately UDP and TCP,
 * as the BPF side lays them out. Some come at the address of a packet before them (the kernel
 * reuses a freed skb's memory at once): without it, the first such packet of a real run threw
 * the compiled grouping away.
 */
public final class ConsumerWarmUp {
    /** Lives per round: 32 rounds are ~200k records, enough for the JIT's second tier. */
    static final int LIVES = 1024;
    private static final int ROUNDS = 32;
    private static final int PLAIN_HOPS = 5;
    /** Time between made-up events: the printed microseconds take all their forms. */
    private static final long EVENT_GAP_NANOS = 1_337;
    /** Room for a record with names: the records are read as --detail's or as plain ones. */
    public static final int STRIDE = EventSizes.NT_EVENT_BASE_SIZE;
    /** The in-memory ring: small, so that records are often cut by its end (it holds 2 batches). */
    static final long RING_BYTES = 1 << 14;
    /** Records committed between two polls. */
    private static final int BATCH = 64;
    /** Every so often a poll meets a record still being written. */
    private static final int BUSY_EVERY = 1024;

    private final Thread thread;
    private volatile boolean enough;
    private volatile int roundsRun;

    private ConsumerWarmUp(AttachPlan plan, boolean detail, Supplier<EventContext> contexts,
            Supplier<EventSink> sinkFactory,
            Consumer<RuntimeException> failed) {
        thread = Thread.ofPlatform().name("nettrace-warm-up").daemon().unstarted(() -> {
            try (RingBuffer ring = RingBuffer.inMemory(RING_BYTES)) {
                RingBuffer.withScratchView(size(plan, LIVES),
                        records -> rounds(ring, records, plan, detail, contexts, sinkFactory));
            } catch (RuntimeException e) {
                failed.accept(e);
            }
        });
    }

    private void rounds(RingBuffer ring, ByteBuffer records, AttachPlan plan, boolean detail,
            Supplier<EventContext> contexts, Supplier<EventSink> sinkFactory) {
        int count = fill(records, plan, LIVES);
        // the kernel's clock, as the BPF side reads it, just before a second ends: the printed
        // times take their sizes and leading zeros
        long timestamp = System.nanoTime() / 1_000_000_000L * 1_000_000_000L + 999_990_000L;
        for (int round = 0; round < ROUNDS && !enough; round++) {
            // A new decoder, context and sink each round, as the run's start with nothing seen:
            // their first events take branches (a new namespace, a tracer's name not yet encoded,
            // an empty map, a generator's first line) that the JIT compiles as never taken when
            // only the first round takes them, and that the run's first packet then threw away
            // with the code around them, at the moment a burst began.
            EventSink sink = sinkFactory.get();
            timestamp = replay(ring, records, count, detail ? EventSizes.NT_EVENT_BASE_SIZE
                    : EventSizes.NT_EVENT_PLAIN_SIZE, new EventDecoder(contexts.get()), sink, timestamp);
            sink.finish();
            roundsRun = round + 1;
        }
    }

    /**
     * Starts warming up, on a thread of its own, the sink that sinkFactory makes (it must write to
     * nowhere: everything it prints is thrown away). End it before tracing begins.
     *
     * @param failed told (once) if the warm-up failed; the run goes on without it
     */
    public static ConsumerWarmUp start(AttachPlan plan, boolean detail, Supplier<EventContext> contexts,
            Supplier<EventSink> sinkFactory, Consumer<RuntimeException> failed) {
        ConsumerWarmUp warmUp = new ConsumerWarmUp(plan, detail, contexts, sinkFactory, failed);
        warmUp.thread.start();
        return warmUp;
    }

    /**
     * Stops the warm-up after its current round and waits for that: it never delays the start.
     * (A machine that loads the BPF programs faster than it runs the rounds, e.g. one emulated
     * without acceleration, starts with a partly warm consumer.)
     */
    public void end() {
        enough = true;
        join();
    }

    /** "12 of 32 rounds": how far the warm-up got (for --debug). */
    public String progress() {
        return roundsRun + " of " + ROUNDS + " rounds";
    }

    /** Waits for the warm-up to run all its rounds. */
    void join() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Feeds count records (STRIDE bytes apart in records, each length long) to sink through ring
     * (an in-memory one) and decoder, giving them timestamps from timestamp on, EVENT_GAP_NANOS
     * apart (so lives replayed again are new lives), with an idle call after every 4096; returns
     * the next timestamp.
     */
    public static long replay(RingBuffer ring, ByteBuffer records, int count, int length, EventDecoder decoder,
            EventSink sink, long timestamp) {
        RecordFeed feed = new RecordFeed(decoder, sink, 0);
        for (int i = 0; i < count; i++) {
            int at = i * STRIDE;
            records.putLong(at + EventLayout.TS, timestamp);
            int flags = records.getShort(at + EventLayout.FLAGS);
            if (length >= EventSizes.NT_EVENT_BASE_SIZE) {
                // the BPF side leaves no packet out of a record with names
                flags = (flags | EventFlags.EVENT_NAMES) & ~(EventFlags.EVENT_SAME_PACKET | EventFlags.EVENT_PACKET_KEPT);
                records.putShort(at + EventLayout.FLAGS, (short) flags);
            }
            timestamp += EVENT_GAP_NANOS;
            int recordLength = (flags & EventFlags.EVENT_SAME_PACKET) != 0 ? EventSizes.NT_EVENT_SHORT_SIZE : length;
            long reserved = ring.reserve(recordLength);
            if (i % BUSY_EVERY == BUSY_EVERY - 1) {
                ring.poll(0, false, feed);
            }
            ring.commit(reserved, records, at, recordLength);
            if (i % BATCH == BATCH - 1) {
                // the run's loop asks for a wake-up when it is about to sleep
                ring.poll(0, i % 4096 == 4095, feed);
            }
            if ((i & 4095) == 4095) {
                sink.idle(System.nanoTime());
            }
        }
        ring.poll(0, true, feed);
        sink.idle(System.nanoTime());
        return timestamp;
    }

    /** The bytes fill needs for lives packets. */
    public static long size(AttachPlan plan, int lives) {
        return (long) lives * path(plan).size() * STRIDE;
    }

    /**
     * Writes lives packets as records (STRIDE bytes apart), each passing the plan's path, from the
     * start of ring; returns the number of records. Packets go two by two: one after the other,
     * or, every other pair, both on their way at once, their records alternating.
     */
    public static int fill(ByteBuffer ring, AttachPlan plan, int lives) {
        List<Integer> path = path(plan);
        boolean freed = plan.byId(path.getLast()).tracer().analyzer() == Analyzer.FREE;
        int at = 0;
        for (int first = 0; first < lives; first += 2) {
            int pair = Math.min(2, lives - first);
            boolean alternating = first % 4 == 2;
            for (int step = 0; step < pair * path.size(); step++) {
                int life = first + (alternating ? step % pair : step / path.size());
                int hop = alternating ? step / pair : step % path.size();
                // every eighth is never seen freed (skbAddress says what ends it)
                int hops = freed && life % 8 == 7 ? path.size() - 1 : path.size();
                if (hop < hops) {
                    record(ring, at, plan.byId(path.get(hop)), life, hop, freed && hop == path.size() - 1);
                    at += STRIDE;
                }
            }
        }
        return at / STRIDE;
    }

    private static void record(ByteBuffer ring, int at, AttachPlan.Planned tracer, int life, int hop,
            boolean freeing) {
        int flags = hop == 0 ? EventFlags.EVENT_LIFE_NEW | EventFlags.EVENT_PACKET_KEPT : EventFlags.EVENT_SAME_PACKET;
        if (freeing) {
            flags = EventFlags.EVENT_LIFE_END;
        }
        if (returns(tracer)) {
            flags |= EventFlags.EVENT_RET;
        }
        ring.putLong(at + EventLayout.SKB, skbAddress(life));
        ring.putLong(at + EventLayout.HEAD, headAddress(life));
        // of every size: printed as JSON numbers, their digits take other branches
        ring.putLong(at + EventLayout.FINGERPRINT, 0x9e3779b97f4a7c15L * (life + 1) >>> life % 64);
        ring.putInt(at + EventLayout.TRACER, tracer.id());
        ring.putShort(at + EventLayout.FLAGS, (short) flags);
        ring.putInt(at + EventLayout.STACK_ID, -1);
        // A packet leaves one namespace (a sender's process, its interfaces) and enters its peer
        // (a softirq's pid 0 or another process, the peer's interfaces); four packets in a row
        // take one pair. On a veth pair the sender's net_dev_xmit comes after the peer's
        // netif_rx, so the namespaces alternate: sent, sent, received, sent, received. Numbers
        // of a real machine's sizes: printing them takes other branches than 0's.
        boolean sending = hop < 2 || hop == 3;
        ring.putInt(at + EventLayout.PID, sending ? 4000 + life % 300 : life % 3 == 0 ? 0 : 100_000 + life);
        // A packet is freed where it has no device (a CPU's deferred frees): no namespace, no
        // interface, and the freeing function's address, mostly the same one.
        ring.putInt(at + EventLayout.NETNS,
                freeing ? 0 : (int) (4026531840L + 2 * (life / 4 % 3) + (sending ? 0 : 1)));
        ring.putInt(at + EventLayout.IFINDEX, freeing ? 0 : sending ? 2 + life % 12 : 1000 + life % 24);
        if (freeing) {
            ring.putLong(at + EventLayout.ARG, 0xffffffff81a00070L + (life % 8 == 3 ? life % 3 * 0x1000L : 0));
        }
        ring.putShort(at + EventLayout.CPU, (short) (life % 2));
        packet(ring, at + EventLayout.PKT, life, life % 2 == 1);
    }

    /**
     * A life's skb address. The kernel reuses a freed skb's memory at once: every sixteenth life
     * takes the address of the one before it, freed a moment ago, and another that of one never
     * seen freed, which ends it; half of those never seen freed stay open to the round's end.
     */
    private static long skbAddress(int life) {
        int slot = life % 16 == 4 ? life - 1 : life % 16 == 9 ? life - 2 : life;
        return 0xffff888100000000L + slot * 256L;
    }

    /**
     * A life's data buffer. Buffers are reused too, by packets with other contents: the packet
     * after one never seen freed takes its buffer, and every 192nd packet an earlier one's.
     */
    private static long headAddress(int life) {
        int slot = life % 8 == 0 && life > 0 ? life - 1 : life;
        return 0xffff888200000000L + slot % 192 * 2048L;
    }

    private static boolean returns(AttachPlan.Planned tracer) {
        return tracer.withReturn() || tracer.tracer().analyzer() == Analyzer.RET;
    }

    /**
     * Tracer ids a made-up packet passes: plain tracers (one with a return value first, if any
     * has), then one that frees (when the plan has one).
     */
    static List<Integer> path(AttachPlan plan) {
        List<AttachPlan.Planned> plain = plan.planned().stream()
                .filter(planned -> planned.tracer().analyzer() == Analyzer.DEFAULT
                        || planned.tracer().analyzer() == Analyzer.RET)
                .sorted(Comparator.comparing(planned -> !returns(planned)))
                .limit(PLAIN_HOPS).toList();
        List<Integer> path = new ArrayList<>(plain.stream().map(AttachPlan.Planned::id).toList());
        plan.planned().stream().filter(planned -> planned.tracer().analyzer() == Analyzer.FREE).findFirst()
                .ifPresent(free -> path.add(free.id()));
        if (path.isEmpty()) {
            path.add(plan.planned().getFirst().id());
        }
        return path;
    }

    private static void packet(ByteBuffer ring, int at, int life, boolean tcp) {
        ring.put(at + PacketLayout.SADDR, new byte[] {(byte) 198, 18, 0, 1});
        ring.put(at + PacketLayout.DADDR, new byte[] {(byte) 198, 18, 0, 2});
        ring.putShort(at + PacketLayout.L3_PROTO, (short) Packet.ETH_P_IP);
        ring.put(at + PacketLayout.L4_PROTO, (byte) (tcp ? Packet.IPPROTO_TCP : Packet.IPPROTO_UDP));
        ring.putShort(at + PacketLayout.SPORT, (short) (40000 + life % 1000));
        ring.putShort(at + PacketLayout.DPORT, (short) (tcp ? 5201 : 9000));
        ring.putShort(at + PacketLayout.IP_LEN, (short) (tcp ? 1500 : 92));
        if (tcp) {
            ring.putInt(at + PacketLayout.SEQ, life * 1448);
            ring.putInt(at + PacketLayout.ACK, 1);
            ring.put(at + PacketLayout.TCP_FLAGS, (byte) Packet.TCP_ACK);
        }
    }
}
