package nettrace.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/** A map of a {@link BpfObject}. Sizes may change before load; contents are read and written after. */
public final class BpfMap {
    private static final int ENOENT = Errno.ENOENT;

    private final MemorySegment map;
    private final String name;
    /** Entries the last read of the whole map found: the size of the next one's buffers. */
    private int lastCount;
    /** The last read's arrays, filled again by the next read when they are large enough. */
    private byte[] keyArea = new byte[0];
    private byte[] valueArea = new byte[0];

    BpfMap(MemorySegment map) {
        this.map = map;
        this.name = Native.string(Native.callPointer(Libbpf.MAP_NAME, map));
    }

    public String name() {
        return name;
    }

    public int fd() {
        return Native.callInt(Libbpf.MAP_FD, map);
    }

    public int keySize() {
        return Native.callInt(Libbpf.MAP_KEY_SIZE, map);
    }

    public int valueSize() {
        return Native.callInt(Libbpf.MAP_VALUE_SIZE, map);
    }

    public int maxEntries() {
        return Native.callInt(Libbpf.MAP_MAX_ENTRIES, map);
    }

    public void setMaxEntries(int entries) {
        int result = Native.callInt(Libbpf.MAP_SET_MAX_ENTRIES, map, entries);
        if (result < 0) {
            throw new BpfException("bpf_map__set_max_entries", -result, name);
        }
    }

    /** Before load: this map is to be the kernel map of other (loaded) instead of one created for it. */
    public void reuse(BpfMap other) {
        int result = Native.callInt(Libbpf.MAP_REUSE_FD, map, other.fd());
        if (result < 0) {
            throw new BpfException("bpf_map__reuse_fd", -result, name);
        }
    }

    /** The contents a global-data map (.rodata, .data) will be created with. */
    public byte[] initialValue() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment data = Native.callPointer(Libbpf.MAP_INITIAL_VALUE, map, size);
            if (data.equals(MemorySegment.NULL)) {
                throw new IllegalStateException(name + " has no initial value");
            }
            return data.reinterpret(size.get(ValueLayout.JAVA_LONG, 0)).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    public void setInitialValue(byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            int result = Native.callInt(Libbpf.MAP_SET_INITIAL_VALUE, map, arena.allocateFrom(ValueLayout.JAVA_BYTE,
                    value), (long) value.length);
            if (result < 0) {
                throw new BpfException("bpf_map__set_initial_value", -result, name);
            }
        }
    }

    /** The value under key, or empty when there is none. Per-CPU maps return one value per CPU. */
    public Optional<byte[]> lookup(byte[] key, int valueBytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(valueBytes, 8);
            int result = Native.callInt(Libbpf.MAP_LOOKUP_ELEM, fd(), arena.allocateFrom(ValueLayout.JAVA_BYTE, key),
                    value);
            if (result == -ENOENT) {
                return Optional.empty();
            }
            if (result < 0) {
                throw new BpfException("bpf_map_lookup_elem", -result, name);
            }
            return Optional.of(value.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    public void update(byte[] key, byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            int result = Native.callInt(Libbpf.MAP_UPDATE_ELEM, fd(), arena.allocateFrom(ValueLayout.JAVA_BYTE, key),
                    arena.allocateFrom(ValueLayout.JAVA_BYTE, value), 0L);
            if (result < 0) {
                throw new BpfException("bpf_map_update_elem", -result, name);
            }
        }
    }

    /** Removes key; returns false when it was not there. */
    public boolean delete(byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            int result = Native.callInt(Libbpf.MAP_DELETE_ELEM, fd(), arena.allocateFrom(ValueLayout.JAVA_BYTE, key));
            if (result == -ENOENT) {
                return false;
            }
            if (result < 0) {
                throw new BpfException("bpf_map_delete_elem", -result, name);
            }
            return true;
        }
    }

    private static final int[] PER_CPU_TYPES = {5, 6, 10}; // PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH
    /** Entries asked for per batch call; a hash bucket holding more than this would need a larger one. */
    private static final int BATCH = 4096;

    public boolean perCpu() {
        int type = Native.callInt(Libbpf.MAP_TYPE, map);
        return java.util.Arrays.stream(PER_CPU_TYPES).anyMatch(t -> t == type);
    }

    /**
     * Every entry of the map, read with batch lookups (a system call per {@value #BATCH} entries),
     * or key by key on kernels without batch operations for this kind of map (before 5.6). What
     * it returns is valid until the next read of this map, which reuses its arrays.
     */
    public MapEntries entries() {
        int keySize = keySize();
        int cpus = perCpu() ? possibleCpus() : 1;
        int slot = (valueSize() + 7) & ~7;
        int valueBytes = slot * cpus;
        // sized for what the map held last time (and a little more), filled in place, grown by
        // doubling, and kept for the next read: a scrape of 10,000 drop series reads 2.7 MB,
        // which as garbage made the monitor's young collections twice as frequent
        int expected = Math.min(maxEntries(), lastCount + lastCount / 16 + 64);
        byte[] keys = keyArea.length >= expected * keySize ? keyArea : new byte[expected * keySize];
        byte[] values = valueArea.length >= expected * valueBytes ? valueArea : new byte[expected * valueBytes];
        int count = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment keyBuffer = arena.allocate((long) keySize * BATCH, 8);
            MemorySegment valueBuffer = arena.allocate((long) valueBytes * BATCH, 8);
            MemorySegment position = arena.allocate(Math.max(keySize, 8), 8);
            MemorySegment next = arena.allocate(Math.max(keySize, 8), 8);
            MemorySegment found = arena.allocate(ValueLayout.JAVA_INT);
            boolean first = true;
            while (true) {
                found.set(ValueLayout.JAVA_INT, 0, BATCH);
                int result = Native.callInt(Libbpf.MAP_LOOKUP_BATCH, fd(), first ? MemorySegment.NULL : position,
                        next, keyBuffer, valueBuffer, found, MemorySegment.NULL);
                if (result < 0 && result != -ENOENT) {
                    if (first && (result == -Errno.EINVAL || result == -Errno.ENOTSUPP
                            || result == -Errno.EOPNOTSUPP)) {
                        return entriesOneByOne(keySize, slot, cpus);
                    }
                    throw new BpfException("bpf_map_lookup_batch", -result, name);
                }
                int got = found.get(ValueLayout.JAVA_INT, 0);
                int capacity = Math.min(keys.length / keySize, values.length / valueBytes);
                if (count + got > capacity) {
                    int room = Math.max(count + got, capacity * 2);
                    keys = java.util.Arrays.copyOf(keys, room * keySize);
                    values = java.util.Arrays.copyOf(values, room * valueBytes);
                }
                MemorySegment.copy(keyBuffer, ValueLayout.JAVA_BYTE, 0, keys, count * keySize, got * keySize);
                MemorySegment.copy(valueBuffer, ValueLayout.JAVA_BYTE, 0, values, count * valueBytes,
                        got * valueBytes);
                count += got;
                if (result == -ENOENT) {
                    break;
                }
                position.copyFrom(next);
                first = false;
            }
        }
        lastCount = count;
        keyArea = keys;
        valueArea = values;
        return new MapEntries(count, keySize, slot, cpus, keys, values);
    }

    private MapEntries entriesOneByOne(int keySize, int slot, int cpus) {
        java.io.ByteArrayOutputStream keys = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream values = new java.io.ByteArrayOutputStream();
        int count = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(keySize, 8);
            MemorySegment next = arena.allocate(keySize, 8);
            MemorySegment value = arena.allocate((long) slot * cpus, 8);
            MemorySegment previous = MemorySegment.NULL;
            while (Native.callInt(Libbpf.MAP_GET_NEXT_KEY, fd(), previous, next) == 0) {
                key.copyFrom(next);
                previous = key;
                // a key deleted between the two calls is skipped
                if (Native.callInt(Libbpf.MAP_LOOKUP_ELEM, fd(), key, value) == 0) {
                    keys.writeBytes(key.toArray(ValueLayout.JAVA_BYTE));
                    values.writeBytes(value.toArray(ValueLayout.JAVA_BYTE));
                    count++;
                }
            }
        }
        return new MapEntries(count, keySize, slot, cpus, keys.toByteArray(), values.toByteArray());
    }

    /** Sum over CPUs of a per-CPU array's 64-bit counter at index. */
    public long sumPerCpu(int index) {
        int cpus = possibleCpus();
        int stride = (valueSize() + 7) & ~7;
        byte[] values = lookup(key(index), stride * cpus).orElse(new byte[0]);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(values).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long sum = 0;
        for (int cpu = 0; cpu < cpus && (cpu + 1) * stride <= values.length; cpu++) {
            sum += buffer.getLong(cpu * stride);
        }
        return sum;
    }

    /** Sums over CPUs of the first `count` 64-bit counters of a per-CPU array. */
    public long[] sumsPerCpu(int count) {
        long[] sums = new long[count];
        for (int i = 0; i < count; i++) {
            sums[i] = sumPerCpu(i);
        }
        return sums;
    }

    /** A 32-bit little-endian key, as array and stack maps use. */
    public static byte[] key(int index) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(index).array();
    }

    public static int possibleCpus() {
        return Native.callInt(Libbpf.NUM_POSSIBLE_CPUS);
    }
}
