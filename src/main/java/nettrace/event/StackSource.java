package nettrace.event;

/** Where the kernel stacks recorded with events are kept (the BPF side's stack map). */
@FunctionalInterface
public interface StackSource {
    /** The return addresses of a recorded stack, innermost first; empty when it is gone. */
    long[] frames(int stackId);
}
