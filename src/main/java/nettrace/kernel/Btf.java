package nettrace.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import nettrace.NettraceException;

/**
 * Reader of the BPF Type Format: the kernel's own description of its types
 * (/sys/kernel/btf/vmlinux, a module's split BTF, or the .BTF section of a BPF object).
 * Only what nettrace asks is indexed: named types by kind, enum constants, function prototypes
 * and struct members.
 */
public final class Btf {
    /** BTF type kinds (BTF_KIND_*). */
    public enum Kind {
        VOID, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO,
        VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64;

        private static final Kind[] ALL = values();

        static Kind of(int value) {
            return value >= 0 && value < ALL.length ? ALL[value] : VOID;
        }
    }

    /** A struct or union member: bit offset from the start of its container. */
    public record Member(String name, int typeId, long bitOffset) {
    }

    /** A function parameter, with its type printed C-style ("struct sk_buff *"). */
    public record Parameter(String name, int typeId, String typeName) {
    }

    private static final int MAGIC = 0xeB9F;

    private final ByteBuffer bytes;
    private final int typesStart;
    private final int stringsStart;
    private final int stringsLength;
    private final Btf base;
    private final int firstId;
    private final int[] typeOffsets;
    private final BtfNames names;

    private Btf(byte[] data, Btf base) {
        this.bytes = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if ((bytes.getShort(0) & 0xffff) != MAGIC) {
            if ((Short.reverseBytes(bytes.getShort(0)) & 0xffff) == MAGIC) {
                bytes.order(ByteOrder.BIG_ENDIAN);
            } else {
                throw new NettraceException("not BTF data (bad magic)");
            }
        }
        this.base = base;
        int headerLength = bytes.getInt(4);
        this.typesStart = headerLength + bytes.getInt(8);
        int typesLength = bytes.getInt(12);
        this.stringsStart = headerLength + bytes.getInt(16);
        this.stringsLength = bytes.getInt(20);
        if (typesStart + typesLength > data.length || stringsStart + stringsLength > data.length) {
            throw new NettraceException("truncated BTF data");
        }
        this.firstId = base == null ? 1 : base.firstId + base.typeOffsets.length;
        this.typeOffsets = index(typesStart, typesStart + typesLength);
        this.names = new BtfNames(this, firstId, lastId());
    }

    public static Btf parse(byte[] data) {
        return new Btf(data, null);
    }

    /** A module's BTF, whose ids and strings continue those of base (vmlinux). */
    public static Btf parseSplit(byte[] data, Btf base) {
        return new Btf(data, base);
    }

    public static Btf read(Path path) {
        try {
            return parse(bytesOf(path));
        } catch (IOException e) {
            throw new NettraceException("cannot read BTF from " + path + ": " + e.getMessage());
        } catch (NettraceException e) {
            throw new NettraceException(path + " is not BTF: " + e.getMessage());
        } catch (IndexOutOfBoundsException e) {
            throw new NettraceException(path + " is not BTF: truncated");
        }
    }

    /**
     * A BTF file's bytes. Not Files.readAllBytes: it reads through a temporary direct buffer as
     * large as the file, which the JDK then keeps cached for the reading thread (for vmlinux, 6 MB
     * of native memory for the whole run).
     */
    static byte[] bytesOf(Path path) throws IOException {
        try (java.io.InputStream in = new java.io.FileInputStream(path.toFile())) {
            return in.readAllBytes();
        }
    }

    /** Where each type starts, in id order. */
    private int[] index(int from, int to) {
        int[] offsets = new int[1 << 12];
        int count = 0;
        int position = from;
        while (position < to) {
            if (count == offsets.length) {
                offsets = java.util.Arrays.copyOf(offsets, count * 2);
            }
            offsets[count++] = position;
            int info = bytes.getInt(position + 4);
            position += 12 + trailingSize(Kind.of((info >>> 24) & 0x1f), info & 0xffff);
        }
        return java.util.Arrays.copyOf(offsets, count);
    }

    private static int trailingSize(Kind kind, int vlen) {
        return switch (kind) {
            case INT, VAR, DECL_TAG -> 4;
            case ARRAY -> 12;
            case STRUCT, UNION, DATASEC, ENUM64 -> 12 * vlen;
            case ENUM, FUNC_PROTO -> 8 * vlen;
            default -> 0;
        };
    }

    /** The name's offset in the string section (0 for none) of a type of this BTF (not its base's). */
    int nameOffset(int id) {
        return bytes.getInt(typeOffsets[id - firstId]);
    }

    /** The BTF whose string section holds offset: a split BTF's strings continue its base's. */
    Btf stringOwner(int offset) {
        return base != null && offset < base.stringsLength ? base.stringOwner(offset) : this;
    }

    /** Where the string at offset starts in this BTF's bytes (offset is one of this BTF's own). */
    int stringStart(int offset) {
        return stringsStart + (base == null ? offset : offset - base.stringsLength);
    }

    byte byteAt(int position) {
        return bytes.get(position);
    }

    private String string(int offset) {
        if (base != null) {
            if (offset < base.stringsLength) {
                return base.string(offset);
            }
            offset -= base.stringsLength;
        }
        int start = stringsStart + offset;
        int end = start;
        while (bytes.get(end) != 0) {
            end++;
        }
        byte[] text = new byte[end - start];
        bytes.get(start, text);
        return new String(text, StandardCharsets.UTF_8);
    }

    /** Number of the last type id this BTF (with its base) knows. */
    public int lastId() {
        return firstId + typeOffsets.length - 1;
    }

    private Btf owner(int id) {
        if (id >= firstId) {
            return this;
        }
        if (base == null) {
            throw new IllegalArgumentException("no BTF type " + id);
        }
        return base.owner(id);
    }

    private int offsetOf(int id) {
        Btf owner = owner(id);
        if (id - owner.firstId >= owner.typeOffsets.length) {
            throw new IllegalArgumentException("no BTF type " + id);
        }
        return owner.typeOffsets[id - owner.firstId];
    }

    public Kind kind(int id) {
        if (id == 0) {
            return Kind.VOID;
        }
        return Kind.of((owner(id).bytes.getInt(offsetOf(id) + 4) >>> 24) & 0x1f);
    }

    public String name(int id) {
        if (id == 0) {
            return "void";
        }
        Btf owner = owner(id);
        return owner.string(owner.bytes.getInt(offsetOf(id)));
    }

    private int vlen(int id) {
        return owner(id).bytes.getInt(offsetOf(id) + 4) & 0xffff;
    }

    /** size_or_type: the size of INT/STRUCT/UNION/ENUM/DATASEC, the target of PTR/TYPEDEF/FUNC/... */
    private int sizeOrType(int id) {
        return owner(id).bytes.getInt(offsetOf(id) + 8);
    }

    /** Id of the named type of this kind, here or in the base BTF. */
    public Optional<Integer> find(String name, Kind kind) {
        int id = names.find(name, kind);
        if (id != 0) {
            return Optional.of(id);
        }
        return base == null ? Optional.empty() : base.find(name, kind);
    }

    /** Names of every type of a kind (this BTF's own, not its base's). */
    public java.util.Set<String> names(Kind kind) {
        java.util.Set<String> found = new java.util.LinkedHashSet<>();
        for (int id = firstId; id <= lastId(); id++) {
            if (kind(id) == kind && nameOffset(id) != 0) {
                found.add(name(id));
            }
        }
        return found;
    }

    /** Constants of the named enum (plain or 64-bit), in declaration order. */
    public Map<Long, String> enumValues(String enumName) {
        Optional<Integer> id = find(enumName, Kind.ENUM).or(() -> find(enumName, Kind.ENUM64));
        if (id.isEmpty()) {
            return Map.of();
        }
        return enumValues(id.get());
    }

    public Map<Long, String> enumValues(int id) {
        Btf owner = owner(id);
        int at = offsetOf(id) + 12;
        Map<Long, String> values = new LinkedHashMap<>();
        boolean wide = kind(id) == Kind.ENUM64;
        // the kind flag marks signed values; without it they are unsigned
        boolean signed = (owner.bytes.getInt(offsetOf(id) + 4) >>> 31) != 0;
        for (int i = 0; i < vlen(id); i++) {
            String constant = owner.string(owner.bytes.getInt(at));
            int low = owner.bytes.getInt(at + 4);
            long value = wide ? Integer.toUnsignedLong(low) | (long) owner.bytes.getInt(at + 8) << 32
                    : signed ? low : Integer.toUnsignedLong(low);
            values.putIfAbsent(value, constant);
            at += wide ? 12 : 8;
        }
        return values;
    }

    /** The parameters of the named kernel function, or empty when BTF does not describe it. */
    public Optional<List<Parameter>> functionParameters(String function) {
        return find(function, Kind.FUNC).map(id -> prototypeParameters(sizeOrType(id)));
    }

    /** The C spelling of the named kernel function's return type, when BTF describes it. */
    public Optional<String> functionReturnType(String function) {
        return find(function, Kind.FUNC).map(id -> typeName(sizeOrType(sizeOrType(id))));
    }

    /** The parameters of a function-pointer typedef such as btf_trace_kfree_skb (without its void *). */
    public Optional<List<Parameter>> tracepointParameters(String tracepoint) {
        return find("btf_trace_" + tracepoint, Kind.TYPEDEF).map(id -> {
            int pointer = sizeOrType(id);
            List<Parameter> all = prototypeParameters(sizeOrType(pointer));
            return all.isEmpty() ? all : all.subList(1, all.size());
        });
    }

    private List<Parameter> prototypeParameters(int protoId) {
        if (kind(protoId) != Kind.FUNC_PROTO) {
            return List.of();
        }
        Btf owner = owner(protoId);
        int at = offsetOf(protoId) + 12;
        List<Parameter> parameters = new ArrayList<>();
        for (int i = 0; i < vlen(protoId); i++) {
            int nameOffset = owner.bytes.getInt(at);
            int type = owner.bytes.getInt(at + 4);
            parameters.add(new Parameter(nameOffset == 0 ? "" : owner.string(nameOffset), type, typeName(type)));
            at += 8;
        }
        return parameters;
    }

    /** The C spelling of a type, through pointers, qualifiers and typedefs ("struct sk_buff *"). */
    public String typeName(int id) {
        return switch (kind(id)) {
            case VOID -> "void";
            case PTR -> typeName(sizeOrType(id)) + " *";
            case CONST, VOLATILE, RESTRICT, TYPE_TAG -> typeName(sizeOrType(id));
            case STRUCT -> "struct " + name(id);
            case UNION -> "union " + name(id);
            case ENUM, ENUM64 -> "enum " + name(id);
            case FWD -> ((owner(id).bytes.getInt(offsetOf(id) + 4) >>> 31) != 0 ? "union " : "struct ") + name(id);
            case FUNC_PROTO -> "function";
            default -> name(id);
        };
    }

    /** Members of the named struct, including those of its anonymous unions and structs, flattened. */
    public List<Member> structMembers(String structName) {
        int id = find(structName, Kind.STRUCT).orElseThrow(
                () -> new IllegalArgumentException("no struct " + structName + " in BTF"));
        List<Member> members = new ArrayList<>();
        collectMembers(id, 0, members);
        return members;
    }

    private void collectMembers(int id, long baseBits, List<Member> into) {
        Btf owner = owner(id);
        boolean bitfields = (owner.bytes.getInt(offsetOf(id) + 4) >>> 31) != 0;
        int at = offsetOf(id) + 12;
        for (int i = 0; i < vlen(id); i++) {
            int nameOffset = owner.bytes.getInt(at);
            int type = owner.bytes.getInt(at + 4);
            long offset = Integer.toUnsignedLong(owner.bytes.getInt(at + 8));
            long bits = baseBits + (bitfields ? offset & 0xffffff : offset);
            if (nameOffset == 0) {
                int inner = skipQualifiers(type);
                if (kind(inner) == Kind.STRUCT || kind(inner) == Kind.UNION) {
                    collectMembers(inner, bits, into);
                }
            } else {
                into.add(new Member(owner.string(nameOffset), type, bits));
            }
            at += 12;
        }
    }

    private int skipQualifiers(int id) {
        while (switch (kind(id)) {
            case CONST, VOLATILE, RESTRICT, TYPEDEF, TYPE_TAG -> true;
            default -> false;
        }) {
            id = sizeOrType(id);
        }
        return id;
    }

    /** Size in bytes of a sized type (int, struct, union, enum, datasec) after typedefs. */
    public int size(int id) {
        int resolved = skipQualifiers(id);
        return switch (kind(resolved)) {
            case INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT -> sizeOrType(resolved);
            case PTR -> 8;
            case ARRAY -> size(owner(resolved).bytes.getInt(offsetOf(resolved) + 12))
                    * owner(resolved).bytes.getInt(offsetOf(resolved) + 20);
            default -> 0;
        };
    }

    /** Variables of a data section (".rodata"): name to byte offset. */
    public Map<String, Integer> sectionVariables(String section) {
        int id = find(section, Kind.DATASEC).orElseThrow(() -> new IllegalArgumentException("no section " + section));
        Btf owner = owner(id);
        int at = offsetOf(id) + 12;
        Map<String, Integer> variables = new LinkedHashMap<>();
        for (int i = 0; i < vlen(id); i++) {
            int variable = owner.bytes.getInt(at);
            variables.put(name(variable), owner.bytes.getInt(at + 4));
            at += 12;
        }
        return variables;
    }
}
