package nettrace.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Ethernet frames made byte by byte, each with a key both nettrace's JSON and a capture file
 * show: "ipv4/LENGTH", "ipv6/LENGTH" (the IP length, unique per frame) or "arp/SENDER".
 * send() puts them on a link through an AF_PACKET socket (python3), in order.
 */
public final class RawFrames {
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;
    public static final int ICMPV6 = 58;

    /** A frame and its key. */
    public record Frame(String key, byte[] bytes) {
    }

    private final List<Frame> frames = new ArrayList<>();
    private final byte[] destination;
    private final java.util.Set<String> keys = new java.util.HashSet<>();

    public RawFrames(byte[] destinationMac) {
        this.destination = destinationMac.clone();
    }

    public List<Frame> frames() {
        return List.copyOf(frames);
    }

    public static byte[] mac(String text) {
        return HexFormat.ofDelimiter(":").parseHex(text);
    }

    /** An IPv4 packet; ipLength pads the payload so that the IP total length is exactly that. */
    public RawFrames ipv4(int ipLength, String source, String target, int protocol, byte[] l4, int fragment,
            int vlan, byte[] sourceMac) {
        ByteBuffer ip = ByteBuffer.allocate(ipLength);
        ip.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) frames.size())
                .putShort((short) fragment).put((byte) 64).put((byte) protocol).putShort((short) 0)
                .put(address(source)).put(address(target));
        ip.putShort(10, checksum(ip.array(), 0, 20));
        ip.put(l4, 0, Math.min(l4.length, ipLength - 20));
        return add("ipv4/" + ipLength, ethernet(sourceMac, vlan, 0x0800, ip.array()));
    }

    /** An IPv6 packet of exactly ipLength bytes (40 + payload). */
    public RawFrames ipv6(int ipLength, String source, String target, int nextHeader, byte[] l4, byte[] sourceMac) {
        ByteBuffer ip = ByteBuffer.allocate(ipLength);
        ip.putInt(0x60000000).putShort((short) (ipLength - 40)).put((byte) nextHeader).put((byte) 64)
                .put(address(source)).put(address(target));
        ip.put(l4, 0, Math.min(l4.length, ipLength - 40));
        return add("ipv6/" + ipLength, ethernet(sourceMac, 0, 0x86DD, ip.array()));
    }

    /** An ARP request (to broadcast) or reply for target, from sender. */
    public RawFrames arp(boolean request, String sender, String target, byte[] sourceMac) {
        ByteBuffer arp = ByteBuffer.allocate(28);
        arp.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
                .putShort((short) (request ? 1 : 2)).put(sourceMac).put(address(sender))
                .put(request ? new byte[6] : destination).put(address(target));
        byte[] to = request ? mac("ff:ff:ff:ff:ff:ff") : destination;
        byte[] frame = ethernetTo(to, sourceMac, 0, 0x0806, arp.array());
        return add("arp/" + sender, frame);
    }

    public static byte[] tcp(int sourcePort, int destinationPort, int flags) {
        ByteBuffer tcp = ByteBuffer.allocate(20);
        tcp.putShort((short) sourcePort).putShort((short) destinationPort).putInt(1000).putInt(flags & 0x10)
                .put((byte) 0x50).put((byte) flags).putShort((short) 512);
        return tcp.array();
    }

    public static byte[] udp(int sourcePort, int destinationPort) {
        return ByteBuffer.allocate(8).putShort((short) sourcePort).putShort((short) destinationPort)
                .putShort((short) 8).array();
    }

    public static byte[] icmp(int type, int code) {
        return ByteBuffer.allocate(8).put((byte) type).put((byte) code).putShort((short) 0).putShort((short) 77)
                .putShort((short) 1).array();
    }

    private RawFrames add(String key, byte[] frame) {
        if (!keys.add(key)) {
            throw new IllegalArgumentException("two frames with key " + key);
        }
        frames.add(new Frame(key, frame));
        return this;
    }

    private byte[] ethernet(byte[] sourceMac, int vlan, int etherType, byte[] payload) {
        return ethernetTo(destination, sourceMac, vlan, etherType, payload);
    }

    private static byte[] ethernetTo(byte[] to, byte[] from, int vlan, int etherType, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes(to);
        frame.writeBytes(from);
        if (vlan != 0) {
            frame.writeBytes(new byte[] {(byte) 0x81, 0, (byte) (vlan >> 8), (byte) vlan});
        }
        frame.writeBytes(new byte[] {(byte) (etherType >> 8), (byte) etherType});
        frame.writeBytes(payload);
        return frame.toByteArray();
    }

    private static byte[] address(String text) {
        try {
            return java.net.InetAddress.getByName(text).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static short checksum(byte[] bytes, int from, int length) {
        long sum = 0;
        for (int i = from; i < from + length; i += 2) {
            sum += ((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }

    /** Sends every frame out of link in namespace, one AF_PACKET write each. */
    public void send(Topology topology, String namespace, String link) {
        try {
            Path file = Files.createTempFile("nettrace-frames", ".hex");
            try {
                Files.write(file, frames.stream().map(frame -> HexFormat.of().formatHex(frame.bytes())).toList());
                topology.exec(namespace, "python3", "-c", """
                        import socket, sys
                        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                        s.bind((sys.argv[1], 0))
                        for line in open(sys.argv[2]):
                            s.send(bytes.fromhex(line.strip()))
                        """, link, file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
