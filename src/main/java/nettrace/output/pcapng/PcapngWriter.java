package nettrace.output.pcapng;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a pcapng file (draft-tuexen-opsawg-pcapng), little-endian, in one section: a section
 * header, then an interface description block the first time each interface is used, and one
 * enhanced packet block per packet, with nanosecond timestamps and UTF-8 comments. Blocks are
 * buffered; {@link #flush()} or {@link #close()} writes them out. Not thread-safe.
 */
public final class PcapngWriter implements AutoCloseable {
    public static final int LINKTYPE_ETHERNET = 1;
    /** Raw IPv4 or IPv6: the packet starts at the IP header. */
    public static final int LINKTYPE_RAW = 101;

    private static final int SECTION_HEADER_BLOCK = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION_BLOCK = 1;
    private static final int ENHANCED_PACKET_BLOCK = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final long SECTION_LENGTH_UNKNOWN = -1;

    private static final int OPT_COMMENT = 1;
    private static final int SHB_OS = 3;
    private static final int SHB_USERAPPL = 4;
    private static final int IF_NAME = 2;
    private static final int IF_TSRESOL = 9;
    private static final byte[] NANOSECONDS = {9};

    private record Interface(String name, int linkType) {
    }

    private final OutputStream out;
    private final int snapLength;
    private final Map<Interface, Integer> interfaceIds = new HashMap<>();
    private final Block block = new Block();

    /**
     * Starts the file with its section header block.
     *
     * @param application the shb_userappl option, e.g. "nettrace 1.2"
     * @param operatingSystem the shb_os option, e.g. the kernel release
     * @param snapLength the most bytes of a packet that are kept, written in every interface
     */
    public PcapngWriter(OutputStream out, String application, String operatingSystem, int snapLength) {
        if (snapLength <= 0) {
            throw new IllegalArgumentException("snap length " + snapLength + " is not positive");
        }
        this.out = new BufferedOutputStream(out, 1 << 16);
        this.snapLength = snapLength;
        block.start(SECTION_HEADER_BLOCK).putInt(BYTE_ORDER_MAGIC).putShort(1).putShort(0)
                .putLong(SECTION_LENGTH_UNKNOWN)
                .option(SHB_OS, text(operatingSystem))
                .option(SHB_USERAPPL, text(application));
        write();
    }

    /** The id of the interface of this name and link type, described in the file when first asked for. */
    public int interfaceFor(String name, int linkType) {
        if (linkType < 0 || linkType > 0xffff) {
            throw new IllegalArgumentException("link type " + linkType + " is not a 16-bit number");
        }
        Interface key = new Interface(name, linkType);
        Integer known = interfaceIds.get(key);
        if (known != null) {
            return known;
        }
        int id = interfaceIds.size();
        block.start(INTERFACE_DESCRIPTION_BLOCK).putShort(linkType).putShort(0).putInt(snapLength)
                .option(IF_NAME, text(name))
                .option(IF_TSRESOL, NANOSECONDS);
        write();
        interfaceIds.put(key, id);
        return id;
    }

    /**
     * One packet: the first {@code capturedLength} bytes of {@code data}, of a packet that was
     * {@code originalLength} long on the wire, each comment an opt_comment option.
     */
    public void packet(int interfaceId, long timestampNanos, byte[] data, int capturedLength, int originalLength,
            List<String> comments) {
        Objects.checkIndex(interfaceId, interfaceIds.size());
        if (capturedLength < 0 || capturedLength > data.length || capturedLength > snapLength
                || capturedLength > originalLength) {
            throw new IllegalArgumentException("captured length " + capturedLength + " does not fit "
                    + data.length + " bytes of data, snap length " + snapLength + " and original length "
                    + originalLength);
        }
        block.start(ENHANCED_PACKET_BLOCK).putInt(interfaceId)
                .putInt((int) (timestampNanos >>> 32)).putInt((int) timestampNanos)
                .putInt(capturedLength).putInt(originalLength)
                .putPadded(data, capturedLength);
        for (String comment : comments) {
            block.option(OPT_COMMENT, text(comment));
        }
        write();
    }

    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes what is buffered and closes the stream. */
    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write() {
        try {
            block.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // An option holds at most 65535 bytes; a longer text is cut at a character boundary rather
    // than failing the trace over a comment.
    private static byte[] text(String text) {
        byte[] bytes = text.getBytes(UTF_8);
        if (bytes.length <= Block.MAX_OPTION_LENGTH) {
            return bytes;
        }
        int end = Block.MAX_OPTION_LENGTH;
        while ((bytes[end] & 0xc0) == 0x80) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }
}
