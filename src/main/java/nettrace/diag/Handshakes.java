package nettrace.diag;

import java.util.LinkedHashMap;
import java.util.Map;
import nettrace.event.EventSink;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;

/**
 * TCP handshakes across lives. A listener whose accept queue is full consumes the SYNs it
 * refuses, exactly as it consumes those it answers: the kernel gives no drop reason. What tells
 * them apart is the answer (a SYN-ACK), or the client sending the same SYN again. This sits in
 * front of the lifecycle tracker, so it sees each SYN-ACK as it comes, before the lives it
 * answers are diagnosed (see inFrontOf).
 */
public final class Handshakes {
    /** SYNs and answers remembered: a few seconds of connection attempts at a high rate. */
    static final int REMEMBERED = 8192;

    private final Map<Attempt, Boolean> answered = bounded();
    private final Map<Attempt, Seen> syns = bounded();

    /** One connection attempt: the SYN's addresses, ports and initial sequence number. */
    private record Attempt(int l3, long sourceHigh, long sourceLow, long destinationHigh, long destinationLow,
            int sourcePort, int destinationPort, long sequence) {

        static Attempt of(Packet syn) {
            return new Attempt(syn.l3Protocol(), syn.sourceHigh(), syn.sourceLow(), syn.destinationHigh(),
                    syn.destinationLow(), syn.sourcePort(), syn.destinationPort(), syn.sequence());
        }

        /** The attempt a SYN-ACK answers: the other direction, its ack number less one. */
        static Attempt answeredBy(Packet synAck) {
            return new Attempt(synAck.l3Protocol(), synAck.destinationHigh(), synAck.destinationLow(),
                    synAck.sourceHigh(), synAck.sourceLow(), synAck.destinationPort(), synAck.sourcePort(),
                    (synAck.acknowledgement() - 1) & 0xffffffffL);
        }
    }

    /** Where a SYN was first seen: which diagnosed life, which skb. */
    private record Seen(long life, long skb) {
    }

    private static <K, V> Map<K, V> bounded() {
        return new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > REMEMBERED;
            }
        };
    }

    static boolean isSyn(Packet packet) {
        return packet.l4Protocol() == Packet.IPPROTO_TCP
                && (packet.tcpFlags() & (Packet.TCP_SYN | Packet.TCP_ACK)) == Packet.TCP_SYN;
    }

    private static boolean isSynAck(Packet packet) {
        int flags = Packet.TCP_SYN | Packet.TCP_ACK;
        return packet.l4Protocol() == Packet.IPPROTO_TCP && (packet.tcpFlags() & flags) == flags;
    }

    /** The sink `next` with every event shown to this first, as it comes. */
    public EventSink inFrontOf(EventSink next) {
        return new EventSink() {
            @Override
            public void accept(SkbEvent event) {
                observe(event);
                next.accept(event);
            }

            @Override
            public void idle(long nowNanos) {
                next.idle(nowNanos);
            }

            @Override
            public void finish() {
                next.finish();
            }

            @Override
            public long completed() {
                return next.completed();
            }
        };
    }

    void observe(SkbEvent event) {
        if (isSynAck(event.userPacket())) {
            answered.put(Attempt.answeredBy(event.userPacket()), true);
        }
    }

    /** True once a SYN-ACK answering this SYN was seen. */
    boolean answered(Packet syn) {
        return answered.containsKey(Attempt.of(syn));
    }

    /**
     * Records a SYN seen in a life; true when the same SYN (addresses, ports, sequence number) was
     * seen before in another skb or another life: the client sent it again.
     */
    boolean sentAgain(Packet syn, long life, long skb) {
        Attempt attempt = Attempt.of(syn);
        Seen first = syns.get(attempt);
        if (first == null) {
            syns.put(attempt, new Seen(life, skb));
            return false;
        }
        return first.life() != life || first.skb() != skb;
    }
}
