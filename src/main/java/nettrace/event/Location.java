package nettrace.event;

/**
 * A place in the kernel's code: the function and the offset into it ("tcp_v4_rcv+0x91"), or
 * only the address when no symbol covers it.
 *
 * @param function the function's name, empty when unknown
 */
public record Location(String function, long offset, long address) {

    /** "tcp_v4_rcv+0x91", or "0xffffffffc0123456" for an address no symbol covers. */
    public String text() {
        return function.isEmpty() ? "0x" + Long.toHexString(address) : function + "+0x" + Long.toHexString(offset);
    }

    /** Reads text() back: what a recorded event holds. */
    public static Location parse(String text) {
        int plus = text.lastIndexOf("+0x");
        if (plus > 0) {
            return new Location(text.substring(0, plus), Long.parseUnsignedLong(text.substring(plus + 3), 16), 0);
        }
        String hex = text.startsWith("0x") ? text.substring(2) : text;
        return new Location("", 0, hex.isEmpty() ? 0 : Long.parseUnsignedLong(hex, 16));
    }

    @Override
    public String toString() {
        return text();
    }
}
