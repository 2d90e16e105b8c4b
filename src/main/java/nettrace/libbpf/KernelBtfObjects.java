package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * File descriptors of the kernel's loaded BTF objects by name ("nf_tables"): what a program
 * attaching to a module's function must name when it is loaded. Closing releases them.
 */
public final class KernelBtfObjects implements AutoCloseable {
    private static final int NAME_SIZE = 64;

    private final Map<String, Integer> open = new HashMap<>();

    /** The fd of the named module's BTF, opened on first use. */
    public int fd(String module) {
        Integer known = open.get(module);
        if (known != null) {
            return known;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment next = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment info = arena.allocate(Libbpf.BTF_INFO);
            MemorySegment infoLength = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment name = arena.allocate(NAME_SIZE);
            int id = 0;
            while (Native.callInt(Libbpf.BTF_GET_NEXT_ID, id, next) == 0) {
                id = next.get(ValueLayout.JAVA_INT, 0);
                int fd = Native.callInt(Libbpf.BTF_GET_FD_BY_ID, id);
                if (fd < 0) {
                    continue;
                }
                info.fill((byte) 0);
                name.fill((byte) 0);
                info.set(ValueLayout.JAVA_LONG, Libbpf.offset(Libbpf.BTF_INFO, "name"), name.address());
                info.set(ValueLayout.JAVA_INT, Libbpf.offset(Libbpf.BTF_INFO, "name_len"), NAME_SIZE);
                infoLength.set(ValueLayout.JAVA_INT, 0, (int) Libbpf.BTF_INFO.byteSize());
                if (Native.callInt(Libbpf.OBJ_GET_INFO_BY_FD, fd, info, infoLength) == 0
                        && name.getString(0, StandardCharsets.UTF_8).equals(module)) {
                    open.put(module, fd);
                    return fd;
                }
                Native.call(Libbpf.CLOSE, fd);
            }
        }
        throw new BpfException("BTF of module " + module, Errno.ENOENT, "not loaded");
    }

    @Override
    public void close() {
        open.values().forEach(fd -> Native.call(Libbpf.CLOSE, fd));
        open.clear();
    }
}
