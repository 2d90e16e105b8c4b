package nettrace.pcap;

import nettrace.NettraceException;

/** libpcap refused an expression; the message is libpcap's own. */
public final class PcapException extends NettraceException {
    PcapException(String message) {
        super(message, BAD_INPUT);
    }
}
