package nettrace.libbpf;

/** A program loaded with bpf_prog_load (a clone), owned by its file descriptor. */
public final class LoadedProgram implements AutoCloseable {
    private final String name;
    private final int fd;
    private boolean closed;

    LoadedProgram(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    public String name() {
        return name;
    }

    /** Attaches a BTF-targeted tracing program (tp_btf, fentry, fexit) to the target it was loaded for. */
    public BpfLink attach() {
        int link = Native.callInt(Libbpf.RAW_TRACEPOINT_OPEN, java.lang.foreign.MemorySegment.NULL, fd);
        if (link < 0) {
            throw new BpfException("attach", -link, name);
        }
        return BpfLink.ofFd(link);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Native.call(Libbpf.CLOSE, fd);
        }
    }
}
