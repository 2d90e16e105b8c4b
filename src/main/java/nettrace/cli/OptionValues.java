package nettrace.cli;

import nettrace.NettraceException;

/** Parsing of numeric option values, with messages that name the option. */
final class OptionValues {
    private OptionValues() {
    }

    static int port(String text, String option) {
        long value = number(text, option, "a port number (1-65535)");
        if (value < 1 || value > 65535) {
            throw NettraceException.badInput(option + ": port out of range (1-65535): '" + text + "'");
        }
        return (int) value;
    }

    static long positiveLong(String text, String option) {
        long value = number(text, option, "a positive number");
        if (value < 1) {
            throw NettraceException.badInput(option + ": expected a positive number, got '" + text + "'");
        }
        return value;
    }

    static long number(String text, String option, String expected) {
        String digits = text.strip();
        if (!digits.matches("-?\\d{1,18}")) {
            throw NettraceException.badInput(option + ": expected " + expected + ", got '" + text + "'");
        }
        return Long.parseLong(digits);
    }

    static long netnsInode(String text) {
        long value = number(text, "--netns", "a network namespace inode number");
        if (value < 1 || value > 0xffffffffL) {
            throw NettraceException.badInput("--netns: not a namespace inode: '" + text + "'");
        }
        return value;
    }

    static long currentNetns() {
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/net")).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (java.io.IOException | RuntimeException e) {
            throw new NettraceException("--netns-current: cannot read /proc/self/ns/net: " + e.getMessage());
        }
    }

    static long pid(String text) {
        long value = number(text, "--pid", "a process id");
        if (value < 1 || value > 4_194_304) {
            throw NettraceException.badInput("--pid: not a process id: '" + text + "'");
        }
        return value;
    }

    /** "N" or "N-M": IP packet lengths from 1 to 65535. */
    static int[] lengthRange(String text) {
        String[] parts = text.strip().split("-", -1);
        if (parts.length > 2 || parts[0].isEmpty()) {
            throw NettraceException.badInput("--pkt-len: expected N or N-M, got '" + text + "'");
        }
        long low = number(parts[0], "--pkt-len", "N or N-M");
        long high = parts.length == 2 ? number(parts[1], "--pkt-len", "N or N-M") : low;
        if (low < 1 || high > 65535 || low > high) {
            throw NettraceException.badInput("--pkt-len: expected lengths 1-65535 with N <= M, got '" + text + "'");
        }
        return new int[] {(int) low, (int) high};
    }

    /** Letters S A P R F U, in any order and case. */
    static int tcpFlags(String text) {
        int flags = 0;
        for (char letter : text.strip().toUpperCase(java.util.Locale.ROOT).toCharArray()) {
            flags |= switch (letter) {
                case 'F' -> 0x01;
                case 'S' -> 0x02;
                case 'R' -> 0x04;
                case 'P' -> 0x08;
                case 'A' -> 0x10;
                case 'U' -> 0x20;
                default -> throw NettraceException.badInput(
                        "--tcp-flags: unknown flag '" + letter + "' (use S, A, P, R, F, U)");
            };
        }
        if (flags == 0) {
            throw NettraceException.badInput("--tcp-flags: no flag given");
        }
        return flags;
    }

    /** A positive number of milliseconds (decimals allowed), returned in microseconds. */
    static long milliseconds(String text, String option) {
        try {
            double value = Double.parseDouble(text.strip());
            if (!(value > 0) || value > 1e9) {
                throw new NumberFormatException();
            }
            return Math.round(value * 1000);
        } catch (NumberFormatException e) {
            throw NettraceException.badInput(option + ": expected a positive number of milliseconds, got '" + text
                    + "'");
        }
    }

    /** "HOST:PORT", "[IPv6]:PORT" or ":PORT" (every address); the host a literal or a name of this machine. */
    static java.net.InetSocketAddress listen(String text) {
        String value = text.strip();
        int colon = value.lastIndexOf(':');
        if (colon < 0 || value.startsWith("[") != value.substring(0, colon).endsWith("]")) {
            throw NettraceException.badInput("--listen: expected HOST:PORT or :PORT, got '" + text + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = port(value.substring(colon + 1), "--listen");
        try {
            java.net.InetAddress address = host.isEmpty() ? java.net.InetAddress.getByName("0.0.0.0")
                    : java.net.InetAddress.getByName(host);
            return new java.net.InetSocketAddress(address, port);
        } catch (java.net.UnknownHostException e) {
            throw NettraceException.badInput("--listen: unknown host '" + host + "'");
        }
    }
}
