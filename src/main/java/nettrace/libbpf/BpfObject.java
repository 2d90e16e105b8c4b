package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An eBPF object file opened from bytes, then loaded into the kernel. */
public final class BpfObject implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment object;
    private final List<BpfProgram> programs = new ArrayList<>();
    private final List<BpfMap> maps = new ArrayList<>();
    private boolean closed;

    private BpfObject(Arena arena, MemorySegment object) {
        this.arena = arena;
        this.object = object;
        for (MemorySegment p = next(Libbpf.OBJECT_NEXT_PROGRAM, MemorySegment.NULL); !p.equals(MemorySegment.NULL);
                p = next(Libbpf.OBJECT_NEXT_PROGRAM, p)) {
            programs.add(new BpfProgram(this, p));
        }
        for (MemorySegment m = next(Libbpf.OBJECT_NEXT_MAP, MemorySegment.NULL); !m.equals(MemorySegment.NULL);
                m = next(Libbpf.OBJECT_NEXT_MAP, m)) {
            maps.add(new BpfMap(m));
        }
    }

    private MemorySegment next(java.lang.invoke.MethodHandle iterator, MemorySegment previous) {
        return Native.callPointer(iterator, object, previous);
    }

    /**
     * Opens an object from its ELF bytes. {@code btfPath} replaces the running kernel's BTF
     * for CO-RE relocations (for kernels without /sys/kernel/btf/vmlinux).
     */
    public static BpfObject open(String name, byte[] elf, Optional<Path> btfPath) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment buffer = arena.allocate(elf.length, 8);
            MemorySegment.copy(elf, 0, buffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, elf.length);
            MemorySegment options = arena.allocate(Libbpf.OBJECT_OPEN_OPTS);
            options.set(Native.LONG, 0, Libbpf.OBJECT_OPEN_OPTS.byteSize());
            options.set(Native.PTR, Libbpf.offset(Libbpf.OBJECT_OPEN_OPTS, "object_name"),
                    Native.cString(arena, name));
            if (btfPath.isPresent()) {
                options.set(Native.PTR, Libbpf.offset(Libbpf.OBJECT_OPEN_OPTS, "btf_custom_path"),
                        Native.cString(arena, btfPath.get().toString()));
            }
            MemorySegment state = Native.callState(arena);
            MemorySegment object = Native.callPointer(Libbpf.OBJECT_OPEN_MEM, state, buffer, (long) elf.length,
                    options);
            if (object.equals(MemorySegment.NULL)) {
                throw new BpfException("bpf_object__open_mem", Native.errno(state), name);
            }
            return new BpfObject(arena, object);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    MemorySegment handle() {
        return object;
    }

    public List<BpfProgram> programs() {
        return List.copyOf(programs);
    }

    public BpfProgram program(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no BPF program " + name));
    }

    public List<BpfMap> maps() {
        return List.copyOf(maps);
    }

    public BpfMap map(String name) {
        return maps.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no BPF map " + name));
    }

    /** The map libbpf creates for the object's {@code const volatile} globals. */
    public BpfMap readOnlyData() {
        return maps.stream().filter(m -> m.name().endsWith(".rodata")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("object has no .rodata"));
    }

    /**
     * Before load: this object's programs are to share loaded's maps (the same object file
     * opened again), so programs loaded later write where the first object's reader looks.
     */
    public void shareMapsOf(BpfObject loaded) {
        for (BpfMap map : maps) {
            map.reuse(loaded.map(map.name()));
        }
    }

    /** Verifies and loads every program left on autoload, and creates the maps. */
    public void load() {
        LibbpfLog.takeVerifierLog();
        LibbpfLog.takeRejectedProgram();
        int error = Native.callInt(Libbpf.OBJECT_LOAD, object);
        if (error < 0) {
            String program = LibbpfLog.takeRejectedProgram();
            throw new BpfException("bpf_object__load", -error, "", LibbpfLog.takeVerifierLog(), program);
        }
    }

    Arena arena() {
        return arena;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.call(Libbpf.OBJECT_CLOSE, object);
        arena.close();
    }
}
