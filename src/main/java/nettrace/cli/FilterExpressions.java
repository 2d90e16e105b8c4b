package nettrace.cli;

import java.util.Optional;
import nettrace.NettraceException;
import nettrace.config.FilterExpression;
import nettrace.pcap.PcapCompiler;
import nettrace.pcap.PcapException;

/** --filter: the expression compiled by libpcap for both link types, or libpcap's complaint. */
final class FilterExpressions {
    private FilterExpressions() {
    }

    static FilterExpression compile(String text) {
        byte[] ethernet;
        try {
            ethernet = PcapCompiler.compile(text, PcapCompiler.LinkType.ETHERNET);
        } catch (PcapException e) {
            throw NettraceException.badInput("--filter: " + e.getMessage());
        }
        Optional<byte[]> rawIp;
        try {
            rawIp = Optional.of(PcapCompiler.compile(text, PcapCompiler.LinkType.RAW_IP));
        } catch (PcapException e) {
            // ether, vlan, arp...: nothing to test on a packet without its link-layer header
            rawIp = Optional.empty();
        }
        FilterExpression expression = new FilterExpression(text, ethernet, rawIp);
        int longest = Math.max(expression.ethernetInstructions(), expression.rawIpInstructions());
        if (longest > FilterExpression.MAX_INSTRUCTIONS) {
            throw NettraceException.badInput("--filter: the expression compiles to " + longest
                    + " classic BPF instructions; nettrace runs at most " + FilterExpression.MAX_INSTRUCTIONS);
        }
        return expression;
    }
}
