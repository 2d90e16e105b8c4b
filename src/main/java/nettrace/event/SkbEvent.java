package nettrace.event;

import static nettrace.bpf.EventFlags.EVENT_LIFE_END;
import static nettrace.bpf.EventFlags.EVENT_LIFE_NEW;
import static nettrace.bpf.EventFlags.EVENT_RET;

import java.util.List;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.tracer.Tracer;

/**
 * One hit of a tracer on an skb (or a socket), holding everything a view needs: names are
 * resolved when the record is decoded (the tracer, the drop or reset reason, code locations,
 * the network namespace, stack frames), so views are functions of events alone and a recorded
 * event replays on another machine.
 *
 * @param timestamp     kernel monotonic time in nanoseconds
 * @param skb           the skb's address, which identifies it while it lives (a socket's, for socket events)
 * @param flags         what the kernel said of the hit (bpf.EventFlags: life new/end, return value...)
 * @param netns         the network namespace, with its name and how to run a command in it
 * @param interfaceName the device's name, empty when not known
 * @param command       the task's name, empty unless details were asked for
 * @param inner         the packet a tunnel's packet carries (then packet is the outer one), or null
 * @param head          the skb's data buffer: a clone shares its original's (0 for socket events)
 * @param fingerprint   what identifies the packet through NAT and tunnels (0 = unknown)
 * @param result        the traced function's return value (with EVENT_RET)
 * @param outcome       what the tracer's own analysis adds (a drop, a consume, a reset...), or null
 * @param netfilter     what a netfilter analyzer saw, or null
 * @param sock          for socket events, or null
 * @param stack         the kernel stack's frames, innermost first ("ip_rcv+0x1c"), empty unless recorded
 * @param capture       the packet's first bytes (--output pcapng), or null
 */
public record SkbEvent(
        long timestamp,
        long skb,
        Tracer tracer,
        int flags,
        int cpu,
        int pid,
        Namespace netns,
        int interfaceIndex,
        String interfaceName,
        String command,
        Packet packet,
        Packet inner,
        long head,
        long fingerprint,
        long result,
        Outcome outcome,
        Netfilter netfilter,
        SockState sock,
        List<String> stack,
        Capture capture) {

    public boolean hasReturnValue() {
        return (flags & EVENT_RET) != 0;
    }

    /** This event placed where another was: its namespace and device (for an event that read none). */
    public SkbEvent placedAs(SkbEvent where) {
        return new SkbEvent(timestamp, skb, tracer, flags, cpu, pid, where.netns, where.interfaceIndex,
                where.interfaceName, command, packet, inner, head, fingerprint, result, outcome, netfilter, sock, stack,
                capture);
    }

    public boolean startsLife() {
        return (flags & EVENT_LIFE_NEW) != 0;
    }

    public boolean endsLife() {
        return (flags & EVENT_LIFE_END) != 0;
    }

    /** The clone this event's function returned, or 0. */
    public long cloneAddress() {
        return outcome instanceof Outcome.Cloned cloned ? cloned.copy() : 0;
    }

    public boolean madeClone() {
        return outcome instanceof Outcome.Cloned;
    }

    /** The drop, when the skb was dropped here, or freed with a packet that was (the parent's drop). */
    public Outcome.Dropped drop() {
        return switch (outcome) {
            case Outcome.Dropped dropped -> dropped;
            case Outcome.FreedWithParent freed -> freed.parentDrop();
            case null, default -> null;
        };
    }

    public boolean isDrop() {
        return drop() != null;
    }

    public boolean hasSock() {
        return sock != null;
    }

    public boolean hasNetfilter() {
        return netfilter != null;
    }

    public boolean hasInner() {
        return inner != null;
    }

    /** The packet the user sent: a tunnel's inner packet, or the packet itself. */
    public Packet userPacket() {
        return inner != null ? inner : packet;
    }

    public long netnsInode() {
        return netns.inode();
    }
}
