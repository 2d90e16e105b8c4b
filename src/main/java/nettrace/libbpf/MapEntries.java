package nettrace.libbpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A map's keys and values as read at one moment, in plain byte arrays (valid until the map is
 * read again: BpfMap reuses them). A per-CPU map's value holds one slot per possible CPU, each
 * rounded up to 8 bytes (as the kernel hands them over).
 */
public final class MapEntries {
    private final int count;
    private final int keySize;
    private final int slotSize;
    private final int cpus;
    private final ByteBuffer keys;
    private final ByteBuffer values;

    MapEntries(int count, int keySize, int slotSize, int cpus, byte[] keys, byte[] values) {
        this.count = count;
        this.keySize = keySize;
        this.slotSize = slotSize;
        this.cpus = cpus;
        this.keys = ByteBuffer.wrap(keys).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.values = ByteBuffer.wrap(values).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int count() {
        return count;
    }

    /** Slots per value: the possible CPUs for a per-CPU map, else 1. */
    public int cpus() {
        return cpus;
    }

    /** Key i, as a little-endian read-only view starting at its first byte. */
    public ByteBuffer key(int index) {
        return keys.slice(index * keySize, keySize).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Key i's bytes, as the map takes them back (to delete it). */
    public byte[] keyBytes(int index) {
        byte[] key = new byte[keySize];
        keys.get(index * keySize, key);
        return key;
    }

    /** The value of key i on one CPU (slot 0 for maps that are not per-CPU). */
    public ByteBuffer value(int index, int cpu) {
        return values.slice((index * cpus + cpu) * slotSize, slotSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The 64-bit field at offset in key i's value on one CPU (no view made: a scrape reads 10,000s). */
    public long valueLong(int index, int cpu, int offset) {
        return values.getLong((index * cpus + cpu) * slotSize + offset);
    }

    /** The sum over CPUs of the 64-bit counter at offset in key i's value. */
    public long sum(int index, int offset) {
        long total = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            total += valueLong(index, cpu, offset);
        }
        return total;
    }
}
