package nettrace.libbpf;

import java.lang.foreign.MemorySegment;

/** An attachment of a program to a kernel hook; closing it detaches the program. */
public final class BpfLink implements AutoCloseable {
    private final MemorySegment libbpfLink;
    private final int fd;
    private boolean closed;

    private BpfLink(MemorySegment libbpfLink, int fd) {
        this.libbpfLink = libbpfLink;
        this.fd = fd;
    }

    static BpfLink ofLibbpf(MemorySegment link) {
        return new BpfLink(link, -1);
    }

    static BpfLink ofFd(int fd) {
        return new BpfLink(MemorySegment.NULL, fd);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (fd >= 0) {
            Native.call(Libbpf.CLOSE, fd);
        } else {
            Native.call(Libbpf.LINK_DESTROY, libbpfLink);
        }
    }
}
