package nettrace.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** A tcpdump capture file (pcap, Ethernet) read back as the keys of {@link RawFrames}. */
public final class CaptureFile {
    private CaptureFile() {
    }

    public static Set<String> keys(Path file) {
        try {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            Set<String> keys = new LinkedHashSet<>();
            if (bytes.remaining() < 24) {
                return keys;
            }
            bytes.position(24);
            while (bytes.remaining() >= 16) {
                bytes.getInt();
                bytes.getInt();
                int captured = bytes.getInt();
                bytes.getInt();
                byte[] frame = new byte[captured];
                bytes.get(frame);
                keys.add(key(ByteBuffer.wrap(frame)));
            }
            return keys;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(ByteBuffer frame) {
        int at = 12;
        int type = frame.getShort(at) & 0xffff;
        if (type == 0x8100 || type == 0x88a8) {
            at += 4;
            type = frame.getShort(at) & 0xffff;
        }
        at += 2;
        return switch (type) {
            case 0x0800 -> "ipv4/" + (frame.getShort(at + 2) & 0xffff);
            case 0x86DD -> "ipv6/" + ((frame.getShort(at + 4) & 0xffff) + 40);
            case 0x0806 -> "arp/" + (frame.get(at + 14) & 0xff) + "." + (frame.get(at + 15) & 0xff) + "."
                    + (frame.get(at + 16) & 0xff) + "." + (frame.get(at + 17) & 0xff);
            default -> "other/" + Integer.toHexString(type);
        };
    }
}
