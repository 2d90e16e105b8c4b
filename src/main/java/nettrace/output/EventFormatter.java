package nettrace.output;

import java.util.List;
import nettrace.event.LastPacketRendering;
import nettrace.event.Netfilter;
import nettrace.event.Outcome;
import nettrace.event.PacketFormat;
import nettrace.event.SkbEvent;
import nettrace.event.SockState;
import nettrace.event.TimeText;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;

/**
 * One event as a line of text (SPEC §3), from the event alone:
 * {@code [SECONDS.MICROS] [FUNCTION            ] [details] PACKET *annotation*...}.
 */
public final class EventFormatter {
    private static final int FUNCTION_WIDTH = 20;

    private final TimeText time;
    private final boolean detail;
    private final boolean returnValues;
    private final LastPacketRendering<String> packetText = new LastPacketRendering<>(PacketFormat::format);

    /**
     * @param detail       show CPU, interface, task and namespace (--detail)
     * @param returnValues show every return value, not only those of tracers whose analysis reads it (--ret)
     */
    public EventFormatter(TimeText time, boolean detail, boolean returnValues) {
        this.time = time;
        this.detail = detail;
        this.returnValues = returnValues;
    }

    public String format(SkbEvent event) {
        StringBuilder line = new StringBuilder(160);
        append(line, event);
        return line.toString();
    }

    public void append(StringBuilder line, SkbEvent event) {
        appendTiny(line, event);
        line.append(' ');
        if (detail) {
            line.append("[cpu:").append(event.cpu()).append("] [")
                    .append(event.interfaceName().isEmpty() ? "-" : event.interfaceName()).append("] [")
                    .append(event.command().isEmpty() ? "-" : event.command()).append(':').append(event.pid())
                    .append("] [ns:").append(event.netnsInode()).append("] ");
        }
        if (event.hasSock()) {
            PacketFormat.appendEndpoints(line, event.packet());
            appendSock(line, event.sock());
        } else {
            line.append(packetText.of(event.packet()));
            if (event.hasInner()) {
                line.append(" [inner: ");
                PacketFormat.append(line, event.inner());
                line.append(']');
            }
        }
        appendAnnotations(line, event);
    }

    /** " SYN_SENT -> ESTABLISHED" or " ESTABLISHED", then TCP's view: " srtt:1.234ms cwnd:10 ..." */
    private static void appendSock(StringBuilder line, SockState sock) {
        line.append(' ');
        if (sock.changed()) {
            line.append(SockState.stateName(sock.oldState())).append(" -> ");
        }
        line.append(SockState.stateName(sock.state()));
        if (sock.srttMicros() == 0) {
            return; // no round trip measured yet: the rest would be defaults, not observations
        }
        line.append(" srtt:");
        appendMillis(line, sock.srttMicros());
        line.append(" cwnd:").append(sock.congestionWindow()).append(" out:(p").append(sock.packetsOut())
                .append(" r").append(sock.retransmitsOut()).append(") retrans:").append(sock.totalRetransmits())
                .append(" ca:").append(sock.congestionName());
    }

    /** Microseconds as "1.234ms". */
    public static void appendMillis(StringBuilder line, long micros) {
        line.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            line.append('0');
        }
        if (fraction < 10) {
            line.append('0');
        }
        line.append(fraction).append("ms");
    }

    /** The kernel stack recorded with the event, a line per frame ("    ip_rcv+0x1c"). */
    public List<String> stackLines(SkbEvent event) {
        if (event.stack().isEmpty()) {
            return List.of(); // most events: no stream built for them
        }
        return event.stack().stream().map(frame -> "    " + frame).toList();
    }

    /** "[SECONDS.MICROS] [FUNCTION            ]": the line without the packet (--tiny-show). */
    public void appendTiny(StringBuilder line, SkbEvent event) {
        appendTime(line, event.timestamp());
        Tracer tracer = event.tracer();
        line.append('[').append(tracer.name());
        for (int pad = tracer.name().length(); pad < FUNCTION_WIDTH; pad++) {
            line.append(' ');
        }
        line.append(']');
    }

    /** "[SECONDS.MICROS] " */
    public void appendTime(StringBuilder line, long timestamp) {
        line.append('[');
        time.append(line, timestamp);
        line.append("] ");
    }

    /** "*ipv4 in chain: PRE_ROUTING*", "*iptables table:filter, chain:FORWARD*", ... */
    public static void appendNetfilter(StringBuilder line, Netfilter netfilter) {
        switch (netfilter.source()) {
            case HOOK -> line.append(" *").append(netfilter.familyName()).append(" in chain: ")
                    .append(netfilter.hookName()).append('*');
            case IPTABLES -> line.append(" *iptables table:").append(netfilter.table()).append(", chain:")
                    .append(netfilter.iptablesChain()).append('*');
            case NFTABLES -> line.append(" *nftables table:").append(netfilter.table()).append(", chain:")
                    .append(netfilter.chain()).append('*');
        }
    }

    private void appendAnnotations(StringBuilder line, SkbEvent event) {
        switch (event.outcome()) {
            case Outcome.Dropped drop -> {
                line.append(" *reason: ").append(drop.reason());
                if (drop.location() != null) {
                    line.append(", ").append(drop.location().text());
                }
                line.append('*');
            }
            case Outcome.FreedWithParent freed -> line.append(" *").append(freed.text()).append('*');
            case Outcome.ResetSent reset -> line.append(" *reset reason: ").append(reset.reason()).append('*');
            case Outcome.IcmpErrorSent icmp -> line.append(" *ICMP error sent: ").append(icmp.name()).append('*');
            case Outcome.Cloned cloned -> { }
            case Outcome.Consumed consumed -> { }
            case null -> { }
        }
        if (event.hasReturnValue() && event.tracer().analyzer() != Analyzer.DROP
                && (returnValues || event.tracer().analyzer() == Analyzer.RET)) {
            line.append(" *return: ").append(event.result()).append('*');
        }
        if (event.hasNetfilter()) {
            appendNetfilter(line, event.netfilter());
        }
        if (event.madeClone()) {
            line.append(" *packet is cloned*");
        }
    }
}
