package nettrace.output.pcapng;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Real packets, checksums included, so that Wireshark's dissectors have nothing to flag. */
final class PacketBytes {
    static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ICMP = 1;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int TCP_SYN = 0x02;

    private PacketBytes() {
    }

    /** A transport header and payload, its checksum at checksumOffset still zero. */
    record Transport(int protocol, byte[] bytes, int checksumOffset, boolean pseudoHeader) {
    }

    static byte[] ethernet(String destination, String source, int etherType, byte[] payload) {
        return ByteBuffer.allocate(14 + payload.length).put(mac(destination)).put(mac(source))
                .putShort((short) etherType).put(payload).array();
    }

    static byte[] ipv4(String source, String destination, Transport transport) {
        byte[] from = address(source);
        byte[] to = address(destination);
        ByteBuffer header = ByteBuffer.allocate(20).put((byte) 0x45).put((byte) 0)
                .putShort((short) (20 + transport.bytes().length)).putShort((short) 0x1234).putShort((short) 0x4000)
                .put((byte) 64).put((byte) transport.protocol()).putShort((short) 0).put(from).put(to);
        header.putShort(10, (short) checksum(header.array()));
        ByteBuffer pseudoHeader = ByteBuffer.allocate(12).put(from).put(to).put((byte) 0)
                .put((byte) transport.protocol()).putShort((short) transport.bytes().length);
        return concatenate(header.array(), checksummed(transport, pseudoHeader.array()));
    }

    static byte[] ipv6(String source, String destination, Transport transport) {
        byte[] from = address(source);
        byte[] to = address(destination);
        ByteBuffer header = ByteBuffer.allocate(40).putInt(0x60000000).putShort((short) transport.bytes().length)
                .put((byte) transport.protocol()).put((byte) 64).put(from).put(to);
        ByteBuffer pseudoHeader = ByteBuffer.allocate(40).put(from).put(to).putInt(transport.bytes().length)
                .putInt(transport.protocol());
        return concatenate(header.array(), checksummed(transport, pseudoHeader.array()));
    }

    static Transport icmpEchoRequest(int identifier, int sequence, byte[] data) {
        byte[] bytes = ByteBuffer.allocate(8 + data.length).put((byte) 8).put((byte) 0).putShort((short) 0)
                .putShort((short) identifier).putShort((short) sequence).put(data).array();
        return new Transport(ICMP, bytes, 2, false);
    }

    static Transport udp(int sourcePort, int destinationPort, byte[] data) {
        byte[] bytes = ByteBuffer.allocate(8 + data.length).putShort((short) sourcePort)
                .putShort((short) destinationPort).putShort((short) (8 + data.length)).putShort((short) 0)
                .put(data).array();
        return new Transport(UDP, bytes, 6, true);
    }

    static Transport tcpSyn(int sourcePort, int destinationPort, int sequence) {
        byte[] bytes = ByteBuffer.allocate(20).putShort((short) sourcePort).putShort((short) destinationPort)
                .putInt(sequence).putInt(0).put((byte) 0x50).put((byte) TCP_SYN).putShort((short) 64240)
                .putShort((short) 0).putShort((short) 0).array();
        return new Transport(TCP, bytes, 16, true);
    }

    private static byte[] checksummed(Transport transport, byte[] pseudoHeader) {
        byte[] bytes = transport.bytes().clone();
        int sum = checksum(transport.pseudoHeader() ? concatenate(pseudoHeader, bytes) : bytes);
        // UDP sends a computed zero as all ones: zero there means "no checksum"
        if (sum == 0 && transport.protocol() == UDP) {
            sum = 0xffff;
        }
        ByteBuffer.wrap(bytes).putShort(transport.checksumOffset(), (short) sum);
        return bytes;
    }

    /** The Internet checksum (RFC 1071) of bytes whose checksum field is zero. */
    private static int checksum(byte[] bytes) {
        long sum = 0;
        for (int i = 0; i < bytes.length; i += 2) {
            int high = (bytes[i] & 0xff) << 8;
            sum += i + 1 < bytes.length ? high | (bytes[i + 1] & 0xff) : high;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) ~sum & 0xffff;
    }

    private static byte[] concatenate(byte[] first, byte[] second) {
        return ByteBuffer.allocate(first.length + second.length).put(first).put(second).array();
    }

    private static byte[] mac(String text) {
        return HexFormat.ofDelimiter(":").parseHex(text);
    }

    private static byte[] address(String literal) {
        return InetAddress.ofLiteral(literal).getAddress();
    }
}
