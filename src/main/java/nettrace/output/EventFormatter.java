package nettrace.output;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import nettrace.event.PacketFormat;
import nettrace.event.Netfilter;
import nettrace.event.SkbEvent;
import nettrace.event.SockState;
import nettrace.event.StackSource;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Tracer;

/**
 * One event as a line of text (SPEC §3):
 * {@code [SECONDS.MICROS] [FUNCTION            ] [details] PACKET *annotation*...}.
 */
public final class EventFormatter {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final int FUNCTION_WIDTH = 20;

    private final AttachPlan plan;
    private final DropReasons dropReasons;
    private final java.util.function.Supplier<KernelSymbols> symbols;
    private final boolean detail;
    private final boolean date;
    private final boolean returnValues;
    private final long bootEpochNanos;
    private final StackSource stacks;
    private final LastPacketRendering<String> packetText = new LastPacketRendering<>(PacketFormat::format);

    public EventFormatter(AttachPlan plan, DropReasons dropReasons,
            java.util.function.Supplier<KernelSymbols> symbols, boolean detail, boolean date,
            boolean returnValues) {
        this(plan, dropReasons, symbols, detail, date, returnValues, id -> new long[0]);
    }

    public EventFormatter(AttachPlan plan, DropReasons dropReasons,
            java.util.function.Supplier<KernelSymbols> symbols, boolean detail, boolean date,
            boolean returnValues, StackSource stacks) {
        this.stacks = stacks;
        this.plan = plan;
        this.dropReasons = dropReasons;
        this.symbols = symbols;
        this.detail = detail;
        this.date = date;
        this.returnValues = returnValues;
        Instant now = Instant.now();
        this.bootEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    public Tracer tracer(SkbEvent event) {
        return plan.byId(event.tracer()).tracer();
    }

    /** The drop reason's name (from this kernel's BTF) of a kfree_skb event. */
    public String dropReason(SkbEvent event) {
        return event.hasDropReason() ? dropReasons.name(event.result()) : "unknown";
    }

    /** The ICMP error an icmp_send event says was sent: "host unreachable". */
    public static String icmpError(SkbEvent event) {
        return PacketFormat.icmpError((int) (event.argument() >> 8) & 0xff, (int) event.argument() & 0xff);
    }

    /** The name of a tcp_send_reset event's reason on this kernel. */
    public String resetReason(SkbEvent event) {
        return dropReasons.resetReason(event.result());
    }

    /** "sym+0xoff" of a code address. */
    public String symbol(long address) {
        return symbols.get().describe(address);
    }

    /** Whether the event's return value is shown (--ret, or a tracer whose analysis needs it). */
    public boolean showsReturn(SkbEvent event) {
        return event.hasReturnValue() && (returnValues || tracer(event).analyzer() == Analyzer.RET);
    }

    public String format(SkbEvent event) {
        StringBuilder line = new StringBuilder(160);
        append(line, event);
        return line.toString();
    }

    public void append(StringBuilder line, SkbEvent event) {
        Tracer tracer = appendTiny(line, event);
        line.append(' ');
        if (detail) {
            line.append("[cpu:").append(event.cpu()).append("] [")
                    .append(event.interfaceName().isEmpty() ? "-" : event.interfaceName()).append("] [")
                    .append(event.command().isEmpty() ? "-" : event.command()).append(':').append(event.pid())
                    .append("] [ns:").append(Integer.toUnsignedLong(event.netns())).append("] ");
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
        appendAnnotations(line, event, tracer);
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

    /**
     * The kernel stack recorded with the event, a line per frame ("    ip_rcv+0x1c"), from the
     * traced point outwards: the frames of the tracing machinery itself are left out.
     */
    public java.util.List<String> stackLines(SkbEvent event) {
        if (!event.hasStack()) {
            return java.util.List.of();
        }
        KernelSymbols kernel = symbols.get();
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (long frame : stacks.frames(event.stackId())) {
            String symbol = kernel.describe(frame);
            if (lines.isEmpty() && isTracingFrame(symbol)) {
                continue;
            }
            lines.add("    " + symbol);
        }
        return lines;
    }

    private static final java.util.List<String> TRACING_FRAMES = java.util.List.of("bpf_prog_", "bpf_trace_run",
            "__traceiter_", "__bpf_trace_", "bpf_trampoline_", "kprobe_ftrace_handler", "fprobe_", "ftrace_",
            "arch_ftrace_", "kprobe_", "kretprobe_", "rethook_", "__kretprobe_");

    private static boolean isTracingFrame(String symbol) {
        return TRACING_FRAMES.stream().anyMatch(symbol::startsWith) || symbol.startsWith("0x");
    }

    /** "[SECONDS.MICROS] [FUNCTION            ]": the line without the packet (--tiny-show). */
    public Tracer appendTiny(StringBuilder line, SkbEvent event) {
        appendTime(line, event.timestamp());
        Tracer tracer = tracer(event);
        line.append('[').append(tracer.name());
        for (int pad = tracer.name().length(); pad < FUNCTION_WIDTH; pad++) {
            line.append(' ');
        }
        line.append(']');
        return tracer;
    }

    public void appendTime(StringBuilder line, long timestamp) {
        line.append('[');
        if (date) {
            long epoch = bootEpochNanos + timestamp;
            LocalDateTime time = LocalDateTime.ofInstant(Instant.ofEpochSecond(epoch / 1_000_000_000L),
                    ZoneId.systemDefault());
            line.append(DATE.format(time));
            appendMicros(line, epoch);
        } else {
            line.append(timestamp / 1_000_000_000L);
            appendMicros(line, timestamp);
        }
        line.append("] ");
    }

    private static void appendMicros(StringBuilder line, long nanos) {
        long micros = (nanos % 1_000_000_000L) / 1000;
        line.append('.');
        for (long scale = 100_000; scale > 1 && micros < scale; scale /= 10) {
            line.append('0');
        }
        line.append(micros);
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

    private void appendAnnotations(StringBuilder line, SkbEvent event, Tracer tracer) {
        if (event.hasDropReason() || tracer.analyzer() == Analyzer.DROP) {
            line.append(" *reason: ");
            line.append(event.hasDropReason() ? dropReasons.name(event.result()) : "unknown");
            if (event.argument() != 0) {
                line.append(", ").append(symbols.get().describe(event.argument()));
            }
            line.append('*');
        } else if (event.hasResetReason()) {
            line.append(" *reset reason: ").append(dropReasons.resetReason(event.result())).append('*');
        } else if (event.sentIcmpError()) {
            line.append(" *ICMP error sent: ").append(icmpError(event)).append('*');
        } else if (event.hasReturnValue() && (returnValues || tracer.analyzer() == Analyzer.RET)) {
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
