package nettrace.event;

/**
 * The first bytes of a packet, captured in the kernel (--output pcapng).
 *
 * @param link         where the bytes start: Links.LINK_ETHERNET or Links.LINK_RAW (at the IP header)
 * @param packetLength the packet's whole length from where the bytes start
 */
public record Capture(int link, int packetLength, byte[] bytes) {
}
