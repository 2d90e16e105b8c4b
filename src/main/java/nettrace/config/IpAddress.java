package nettrace.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import nettrace.NettraceException;

/** An IPv4 or IPv6 address given as a literal (never resolved through DNS). */
public record IpAddress(byte[] bytes) {

    public static IpAddress parse(String text, String option) {
        String literal = text.strip();
        if (literal.isEmpty() || !literal.matches("[0-9A-Fa-f:.]+(%\\w+)?")) {
            throw NettraceException.badInput("invalid address for " + option + ": '" + text + "'");
        }
        try {
            InetAddress address = InetAddress.ofLiteral(literal);
            if (address instanceof Inet4Address && !literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw new IllegalArgumentException("short IPv4 form");
            }
            return new IpAddress(address.getAddress());
        } catch (IllegalArgumentException e) {
            throw NettraceException.badInput("invalid address for " + option + ": '" + text + "'");
        }
    }

    public boolean isIpv4() {
        return bytes.length == 4;
    }

    @Override
    public String toString() {
        try {
            InetAddress address = isIpv4() ? Inet4Address.getByAddress(bytes) : Inet6Address.getByAddress(bytes);
            return address.getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IpAddress that && java.util.Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }
}
