package nettrace.event;

import java.util.List;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.tracer.Tracer;

/** What decoding a record needs to know of the run and the kernel, to make an event whole. */
public interface EventContext {
    /** The tracer with this id in the attach plan. */
    Tracer tracer(int id);

    /** True when this tracer's return value is a 32-bit signed one, to sign-extend. */
    boolean int32Return(int id);

    /** A kfree_skb reason's name on this kernel ("NO_SOCKET"). */
    String dropReason(long reason);

    /** A tcp_send_reset reason's name on this kernel. */
    String resetReason(long reason);

    /** The code location of a kernel address. */
    Location location(long address);

    /** The recorded stack's frames, innermost first, without the tracing machinery's own; read once. */
    List<String> stack(int stackId);

    Namespace namespace(long inode);

    /** The device's name: the one the kernel sent, else one learnt from an earlier event, else "". */
    String interfaceName(long netns, int ifindex, String sent);
}
