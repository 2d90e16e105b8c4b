package nettrace.output.pcapng;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One pcapng block being assembled, little-endian: its type, its fields, its options each padded
 * to 32 bits, and the block total length written at both ends. Reused from block to block.
 */
final class Block {
    static final int MAX_OPTION_LENGTH = 0xffff;
    private static final int OPTION_END = 0;
    private static final byte[] PADDING = new byte[3];

    private ByteBuffer bytes = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    private boolean hasOptions;

    Block start(int type) {
        bytes.clear();
        hasOptions = false;
        return putInt(type).putInt(0);
    }

    Block putShort(int value) {
        room(Short.BYTES);
        bytes.putShort((short) value);
        return this;
    }

    Block putInt(int value) {
        room(Integer.BYTES);
        bytes.putInt(value);
        return this;
    }

    Block putLong(long value) {
        room(Long.BYTES);
        bytes.putLong(value);
        return this;
    }

    /** The first {@code length} bytes of {@code data}, then zeros up to the next multiple of 4. */
    Block putPadded(byte[] data, int length) {
        int padding = -length & 3;
        room(length + padding);
        bytes.put(data, 0, length).put(PADDING, 0, padding);
        return this;
    }

    Block option(int code, byte[] value) {
        if (value.length > MAX_OPTION_LENGTH) {
            throw new IllegalArgumentException("option " + code + " is " + value.length + " bytes, more than "
                    + MAX_OPTION_LENGTH);
        }
        hasOptions = true;
        return putShort(code).putShort(value.length).putPadded(value, value.length);
    }

    /** Ends the options and the block, and writes it whole. */
    void writeTo(OutputStream out) throws IOException {
        if (hasOptions) {
            putShort(OPTION_END).putShort(0);
        }
        int total = bytes.position() + Integer.BYTES;
        putInt(total);
        bytes.putInt(Integer.BYTES, total);
        out.write(bytes.array(), 0, total);
    }

    private void room(int more) {
        if (bytes.remaining() < more) {
            int needed = bytes.position() + more;
            ByteBuffer larger = ByteBuffer.allocate(Math.max(needed, 2 * bytes.capacity())).order(ByteOrder.LITTLE_ENDIAN);
            bytes = larger.put(bytes.flip());
        }
    }
}
