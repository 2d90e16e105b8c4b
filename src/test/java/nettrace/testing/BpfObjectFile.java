package nettrace.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import nettrace.kernel.Btf;
import nettrace.probe.ProbeSet;

/** The BPF object the build put on the classpath, and the BTF inside its .BTF ELF section. */
public final class BpfObjectFile {
    private BpfObjectFile() {
    }

    public static byte[] bytes() {
        return bytes(ProbeSet.OBJECT_RESOURCE);
    }

    public static byte[] bytes(String resource) {
        try (InputStream in = BpfObjectFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " not built");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Btf btf() {
        return btf(ProbeSet.OBJECT_RESOURCE);
    }

    /** The BTF of another object the build made (the monitor's). */
    public static Btf btf(String resource) {
        return Btf.parse(section(bytes(resource), ".BTF"));
    }

    /** The contents of a named section of a little-endian ELF64 file. */
    public static byte[] section(byte[] elf, String wanted) {
        ByteBuffer file = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long sectionTable = file.getLong(0x28);
        int entrySize = Short.toUnsignedInt(file.getShort(0x3A));
        int count = Short.toUnsignedInt(file.getShort(0x3C));
        int namesIndex = Short.toUnsignedInt(file.getShort(0x3E));
        long namesOffset = file.getLong((int) (sectionTable + (long) namesIndex * entrySize) + 0x18);
        for (int i = 0; i < count; i++) {
            int header = (int) (sectionTable + (long) i * entrySize);
            int nameOffset = file.getInt(header);
            if (name(elf, (int) (namesOffset + nameOffset)).equals(wanted)) {
                int offset = (int) file.getLong(header + 0x18);
                int size = (int) file.getLong(header + 0x20);
                return Arrays.copyOfRange(elf, offset, offset + size);
            }
        }
        throw new IllegalArgumentException("no section " + wanted);
    }

    private static String name(byte[] elf, int at) {
        int end = at;
        while (elf[end] != 0) {
            end++;
        }
        return new String(elf, at, end - at, StandardCharsets.US_ASCII);
    }
}
