package nettrace.kernel;

import java.nio.charset.StandardCharsets;

/**
 * A BTF's named types by kind and name: an open-addressing table of type ids over the BTF's own
 * string bytes. A HashMap of Strings held vmlinux's ~71k names as objects (~10 MB of heap while
 * the start-up read them, enough to fill the old generation the run then kept resident).
 */
final class BtfNames {
    private final Btf btf;
    private final int[] slots;
    private final int mask;

    /** Indexes the named types among ids [firstId, lastId] of btf; the first of equal names wins. */
    BtfNames(Btf btf, int firstId, int lastId) {
        this.btf = btf;
        int named = 0;
        for (int id = firstId; id <= lastId; id++) {
            if (btf.nameOffset(id) != 0) {
                named++;
            }
        }
        int size = Integer.highestOneBit(Math.max(16, named * 2 - 1)) << 1;
        this.slots = new int[size];
        this.mask = size - 1;
        for (int id = firstId; id <= lastId; id++) {
            int nameOffset = btf.nameOffset(id);
            Btf.Kind kind = btf.kind(id);
            if (nameOffset == 0 || kind == Btf.Kind.VOID) {
                continue;
            }
            int slot = slot(hash(nameOffset), kind);
            while (slots[slot] != 0 && !(btf.kind(slots[slot]) == kind
                    && sameName(btf.nameOffset(slots[slot]), nameOffset))) {
                slot = (slot + 1) & mask;
            }
            if (slots[slot] == 0) {
                slots[slot] = id;
            }
        }
    }

    /** The id of the named type of this kind, 0 when there is none. */
    int find(String name, Btf.Kind kind) {
        byte[] text = name.getBytes(StandardCharsets.UTF_8);
        int slot = slot(hash(text), kind);
        for (int id = slots[slot]; id != 0; id = slots[slot]) {
            if (btf.kind(id) == kind && nameIs(btf.nameOffset(id), text)) {
                return id;
            }
            slot = (slot + 1) & mask;
        }
        return 0;
    }

    /** The hash of the string at offset in the BTF: that of its UTF-8 bytes, as {@link #hash(byte[])}. */
    private int hash(int offset) {
        Btf owner = btf.stringOwner(offset);
        int hash = 0;
        for (int at = owner.stringStart(offset); owner.byteAt(at) != 0; at++) {
            hash = 31 * hash + owner.byteAt(at);
        }
        return hash;
    }

    private static int hash(byte[] text) {
        int hash = 0;
        for (byte b : text) {
            hash = 31 * hash + b;
        }
        return hash;
    }

    /** Whether the string at offset is text (UTF-8). */
    private boolean nameIs(int offset, byte[] text) {
        Btf owner = btf.stringOwner(offset);
        int at = owner.stringStart(offset);
        for (byte b : text) {
            if (owner.byteAt(at++) != b) {
                return false;
            }
        }
        return owner.byteAt(at) == 0;
    }

    private boolean sameName(int offset, int otherOffset) {
        if (offset == otherOffset) {
            return true;
        }
        Btf owner = btf.stringOwner(offset);
        Btf otherOwner = btf.stringOwner(otherOffset);
        int at = owner.stringStart(offset);
        int otherAt = otherOwner.stringStart(otherOffset);
        while (owner.byteAt(at) == otherOwner.byteAt(otherAt)) {
            if (owner.byteAt(at) == 0) {
                return true;
            }
            at++;
            otherAt++;
        }
        return false;
    }

    private int slot(int hash, Btf.Kind kind) {
        int mixed = (hash + kind.ordinal()) * 0x9e3779b9;
        return (mixed ^ (mixed >>> 16)) & mask;
    }
}
