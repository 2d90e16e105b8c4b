package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A kernel function whose BPF trampoline is full, as when other BPF tools already hold it:
 * do-nothing fentry programs are attached to it until the kernel refuses one (E2BIG: 38 on
 * x86-64), so the next fentry there is refused too, while a kprobe still works.
 */
public final class FullTrampoline implements AutoCloseable {
    private static final int MOST_ATTEMPTS = 256;
    private final List<Integer> fds = new ArrayList<>();
    private final int attached;

    public FullTrampoline(int functionBtfId) {
        int count = 0;
        try (Arena arena = Arena.ofConfined()) {
            while (count < MOST_ATTEMPTS) {
                int program = ProgramProbe.load(arena, ProgramProbe.PROG_TYPE_TRACING, ProgramProbe.ATTACH_TRACE_FENTRY,
                        functionBtfId);
                if (program < 0) {
                    throw new BpfException("bpf_prog_load", -program, "fentry filler");
                }
                fds.add(program);
                int link = Native.callInt(Libbpf.RAW_TRACEPOINT_OPEN, MemorySegment.NULL, program);
                if (link < 0) {
                    if (-link != Errno.E2BIG) {
                        close();
                        throw new BpfException("attach", -link, "fentry filler");
                    }
                    break;
                }
                fds.add(link);
                count++;
            }
        }
        attached = count;
    }

    /** The fentry programs it took to fill the trampoline. */
    public int attached() {
        return attached;
    }

    @Override
    public void close() {
        fds.reversed().forEach(fd -> Native.call(Libbpf.CLOSE, fd));
        fds.clear();
    }
}
