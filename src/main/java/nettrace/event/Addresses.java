package nettrace.event;

/** Text forms of addresses, written straight into a StringBuilder (no InetAddress objects). */
public final class Addresses {
    private Addresses() {
    }

    /** Dotted quad of the IPv4 address held in the top 32 bits of high. */
    public static void appendIpv4(StringBuilder out, long high) {
        int address = (int) (high >>> 32);
        out.append((address >>> 24) & 0xff).append('.')
                .append((address >>> 16) & 0xff).append('.')
                .append((address >>> 8) & 0xff).append('.')
                .append(address & 0xff);
    }

    /** RFC 5952 text: lower case, leading zeros dropped, the longest run of zero groups as "::". */
    public static void appendIpv6(StringBuilder out, long high, long low) {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
            groups[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength) {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
    }

    /** aa:bb:cc:dd:ee:ff from the low 48 bits. */
    public static void appendMac(StringBuilder out, long mac) {
        for (int i = 5; i >= 0; i--) {
            int octet = (int) (mac >>> (8 * i)) & 0xff;
            if (octet < 0x10) {
                out.append('0');
            }
            out.append(Integer.toHexString(octet));
            if (i > 0) {
                out.append(':');
            }
        }
    }
}
