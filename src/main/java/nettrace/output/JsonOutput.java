package nettrace.output;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import nettrace.diag.DiagnosedLife;
import nettrace.diag.DiagnosisSink;
import nettrace.diag.Finding;
import nettrace.event.PacketFormat;
import nettrace.event.EventSink;
import nettrace.event.Netfilter;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.event.SockState;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Tracer;

/**
 * --output json: one JSON object per line for each event (--basic, --drop, --sock), skb life
 * (lifecycle mode) or diagnosed life (--diag), then a summary. The schema is in
 * docs/json-output.md; the text printers' modes decide what is printed, this only how.
 */
public final class JsonOutput implements EventSink, LifeSink, DiagnosisSink.Printer {
    private static final JsonFactory JSON = new JsonFactory();

    // Names of the fields written for every event, encoded once (a String name is escaped and
    // encoded again at each write).
    private static final SerializedString ACK = new SerializedString("ack");
    private static final SerializedString CLONE = new SerializedString("clone");
    private static final SerializedString COMM = new SerializedString("comm");
    private static final SerializedString CPU = new SerializedString("cpu");
    private static final SerializedString DADDR = new SerializedString("daddr");
    private static final SerializedString DPORT = new SerializedString("dport");
    private static final SerializedString DROP_REASON = new SerializedString("drop_reason");
    private static final SerializedString ENDING = new SerializedString("ending");
    private static final SerializedString EVENTS = new SerializedString("events");
    private static final SerializedString GROUP = new SerializedString("group");
    private static final SerializedString ICMP_CODE = new SerializedString("icmp_code");
    private static final SerializedString ICMP_ID = new SerializedString("icmp_id");
    private static final SerializedString ICMP_SEQ = new SerializedString("icmp_seq");
    private static final SerializedString ICMP_TYPE = new SerializedString("icmp_type");
    private static final SerializedString IFINDEX = new SerializedString("ifindex");
    private static final SerializedString INNER = new SerializedString("inner");
    private static final SerializedString RESET_REASON = new SerializedString("reset_reason");
    private static final SerializedString IFNAME = new SerializedString("ifname");
    private static final SerializedString L3 = new SerializedString("l3");
    private static final SerializedString L4 = new SerializedString("l4");
    private static final SerializedString LENGTH = new SerializedString("length");
    private static final SerializedString LOCATION = new SerializedString("location");
    private static final SerializedString NETNS = new SerializedString("netns");
    private static final SerializedString PACKET = new SerializedString("packet");
    private static final SerializedString PID = new SerializedString("pid");
    private static final SerializedString RETURN = new SerializedString("return");
    private static final SerializedString SADDR = new SerializedString("saddr");
    private static final SerializedString SEQ = new SerializedString("seq");
    private static final SerializedString SKB = new SerializedString("skb");
    private static final SerializedString SKBS = new SerializedString("skbs");
    private static final SerializedString SPORT = new SerializedString("sport");
    private static final SerializedString STACK = new SerializedString("stack");
    private static final SerializedString TCP_FLAGS = new SerializedString("tcp_flags");
    private static final SerializedString TIME_NS = new SerializedString("time_ns");
    private static final SerializedString TIME = new SerializedString("time");
    private static final SerializedString TRACER = new SerializedString("tracer");
    private static final SerializedString VLAN = new SerializedString("vlan");

    private final Console console;
    private final EventFormatter formatter;
    private final LineBytes line = new LineBytes();
    private final JsonGenerator json;
    private long printed;
    // text made per event (the time), and the last skb's address, which a life's events share
    private final StringBuilder text = new StringBuilder(64);
    private char[] chars = new char[64];
    // the tracers' names and groups, encoded once, by tracer id
    private TracerText[] tracerTexts = new TracerText[0];
    // packet objects are encoded apart, then their bytes copied into each event that repeats one
    private final LineBytes packetBytes = new LineBytes();
    private final JsonGenerator packetJson = generator(packetBytes);
    private final LastPacketRendering<SerializedString> encodedPacket = new LastPacketRendering<>(this::encode);
    private long lastSkb;
    private String lastSkbText = "0";

    private record TracerText(SerializedString name, SerializedString group) {
    }

    /** The line being written, as UTF-8: a ByteArrayOutputStream without locks, reused. */
    private static final class LineBytes extends OutputStream {
        byte[] bytes = new byte[1024];
        int length;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[length++] = (byte) b;
        }

        @Override
        public void write(byte[] from, int offset, int count) {
            ensure(count);
            System.arraycopy(from, offset, bytes, length, count);
            length += count;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }

    public JsonOutput(Console console, EventFormatter formatter) {
        this.console = console;
        this.formatter = formatter;
        this.json = generator(line);
    }

    /* One generator for the whole run: each line is a root value, with nothing written between them. */
    private static JsonGenerator generator(OutputStream target) {
        try {
            JsonGenerator generator = JSON.createGenerator(target);
            generator.setRootValueSeparator(null);
            return generator;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private void line(String type, Body body) {
        line.length = 0;
        write(json, type, body);
        console.line(line.bytes, line.length);
    }

    private static void write(JsonGenerator json, String type, Body body) {
        try {
            json.writeStartObject();
            json.writeStringField("type", type);
            body.write(json);
            json.writeEndObject();
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- basic modes: an event per line

    @Override
    public void accept(SkbEvent event) {
        line("event", json -> eventFields(json, event, List.of()));
        printed++;
    }

    @Override
    public void idle(long nowNanos) {
        console.flush();
    }

    @Override
    public void finish() {
        console.flush();
    }

    @Override
    public long completed() {
        return printed;
    }

    // ---- lifecycle: a life per line

    @Override
    public void complete(SkbLife life) {
        line("life", json -> {
            lifeFields(json, life);
            startArray(json, EVENTS);
            for (SkbEvent event : life.events()) {
                json.writeStartObject();
                eventFields(json, event, List.of());
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    // ---- diagnosis: a life per line, its events with their findings, then the verdict

    @Override
    public void print(DiagnosedLife diagnosed, boolean last) {
        line("diagnosis", json -> {
            lifeFields(json, diagnosed.life());
            json.writeStringField("verdict", diagnosed.verdict().key());
            json.writeStringField("verdict_reason", diagnosed.verdictReason());
            json.writeArrayFieldStart("events");
            for (DiagnosedLife.Entry entry : diagnosed.entries()) {
                json.writeStartObject();
                eventFields(json, entry.event(), entry.findings());
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    @Override
    public void flush() {
        console.flush();
    }

    /** The last line of a run: how many events, how many lost, why it stopped. */
    public static void summary(Console console, long events, long lost, long livesNotFollowed, String stoppedBy) {
        LineBytes text = new LineBytes();
        write(generator(text), "summary", json -> {
            json.writeNumberField("events", events);
            json.writeNumberField("lost", lost);
            json.writeNumberField("lives_not_followed", livesNotFollowed);
            json.writeStringField("stopped_by", stoppedBy);
        });
        console.line(text.bytes, text.length);
        console.flush();
    }

    private static void number(JsonGenerator json, SerializableString name, long value) throws IOException {
        json.writeFieldName(name);
        json.writeNumber(value);
    }

    private static void string(JsonGenerator json, SerializableString name, String value) throws IOException {
        json.writeFieldName(name);
        json.writeString(value);
    }

    private static void string(JsonGenerator json, SerializableString name, SerializableString value)
            throws IOException {
        json.writeFieldName(name);
        json.writeString(value);
    }

    private static void startArray(JsonGenerator json, SerializableString name) throws IOException {
        json.writeFieldName(name);
        json.writeStartArray();
    }

    private static void lifeFields(JsonGenerator json, SkbLife life) throws IOException {
        startArray(json, SKBS);
        for (long address : life.addresses()) {
            json.writeString(Long.toHexString(address));
        }
        json.writeEndArray();
        string(json, ENDING, life.ending().name().toLowerCase());
        json.writeBooleanField("end_seen", life.ending().endSeen());
    }

    private void eventFields(JsonGenerator json, SkbEvent event, List<Finding> findings) throws IOException {
        Tracer tracer = formatter.tracer(event);
        number(json, TIME_NS, event.timestamp());
        text.setLength(0);
        formatter.appendTime(text, event.timestamp());
        writeText(json, TIME, 1, text.length() - 2); // without the text output's "[" and "] "
        TracerText encoded = tracerText(event.tracer(), tracer);
        string(json, TRACER, encoded.name());
        string(json, GROUP, encoded.group());
        if (event.skb() != lastSkb) {
            lastSkb = event.skb();
            lastSkbText = Long.toHexString(lastSkb);
        }
        string(json, SKB, lastSkbText);
        number(json, CPU, event.cpu());
        number(json, PID, event.pid());
        number(json, NETNS, Integer.toUnsignedLong(event.netns()));
        if (event.interfaceIndex() != 0) {
            number(json, IFINDEX, event.interfaceIndex());
        }
        if (!event.interfaceName().isEmpty()) {
            string(json, IFNAME, event.interfaceName());
        }
        if (!event.command().isEmpty()) {
            string(json, COMM, event.command());
        }
        json.writeFieldName(PACKET);
        json.writeRawValue(encodedPacket.of(event.packet()));
        if (event.hasInner()) {
            json.writeFieldName(INNER);
            packet(json, event.inner());
        }
        if (event.hasDropReason() || tracer.analyzer() == nettrace.tracer.Analyzer.DROP) {
            string(json, DROP_REASON, formatter.dropReason(event));
            if (event.argument() != 0) {
                string(json, LOCATION, formatter.symbol(event.argument()));
            }
        } else if (event.hasResetReason()) {
            string(json, RESET_REASON, formatter.resetReason(event));
        } else if (event.sentIcmpError()) {
            json.writeObjectFieldStart("icmp_error_sent");
            json.writeNumberField("type", (event.argument() >> 8) & 0xff);
            json.writeNumberField("code", event.argument() & 0xff);
            json.writeStringField("name", EventFormatter.icmpError(event));
            json.writeEndObject();
        } else if (formatter.showsReturn(event)) {
            number(json, RETURN, event.result());
        } else if (tracer.analyzer() == nettrace.tracer.Analyzer.FREE && event.argument() != 0) {
            string(json, LOCATION, formatter.symbol(event.argument()));
        }
        if (event.madeClone() && event.argument() != 0) {
            string(json, CLONE, Long.toHexString(event.argument()));
        }
        if (event.hasNetfilter()) {
            netfilter(json, event.netfilter());
        }
        if (event.hasSock()) {
            sock(json, event.sock());
        }
        if (event.hasStack()) {
            startArray(json, STACK);
            for (String frame : formatter.stackLines(event)) {
                json.writeString(frame.strip());
            }
            json.writeEndArray();
        }
        if (!findings.isEmpty()) {
            json.writeFieldName("finding");
            finding(json, findings.getFirst());
            json.writeArrayFieldStart("findings");
            for (Finding each : findings) {
                finding(json, each);
            }
            json.writeEndArray();
        }
    }

    private TracerText tracerText(int id, Tracer tracer) {
        if (id >= tracerTexts.length) {
            tracerTexts = Arrays.copyOf(tracerTexts, id + 16);
        }
        TracerText encoded = tracerTexts[id];
        if (encoded == null) {
            encoded = new TracerText(new SerializedString(tracer.name()), new SerializedString(tracer.group()));
            tracerTexts[id] = encoded;
        }
        return encoded;
    }

    /** Writes text's characters [from, to) as the string field name, with no String made. */
    private void writeText(JsonGenerator json, SerializableString name, int from, int to) throws IOException {
        if (chars.length < text.length()) {
            chars = new char[text.length()];
        }
        text.getChars(from, to, chars, 0);
        json.writeFieldName(name);
        json.writeString(chars, 0, to - from);
    }

    private SerializedString encode(Packet packet) {
        packetBytes.length = 0;
        try {
            packet(packetJson, packet);
            packetJson.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SerializedString(new String(packetBytes.bytes, 0, packetBytes.length, UTF_8));
    }

    private static void packet(JsonGenerator json, Packet packet) throws IOException {
        json.writeStartObject();
        string(json, L3, switch (packet.l3Protocol()) {
            case Packet.ETH_P_IP -> "ipv4";
            case Packet.ETH_P_IPV6 -> "ipv6";
            case Packet.ETH_P_ARP -> "arp";
            case 0 -> "unknown";
            default -> String.format("0x%04x", packet.l3Protocol());
        });
        if (packet.isIpv4() || packet.isIpv6() || packet.l3Protocol() == Packet.ETH_P_ARP) {
            string(json, SADDR, PacketFormat.address(packet, true));
            string(json, DADDR, PacketFormat.address(packet, false));
        }
        if (packet.isIpv4() || packet.isIpv6()) {
            string(json, L4, switch (packet.l4Protocol()) {
                case Packet.IPPROTO_TCP -> "tcp";
                case Packet.IPPROTO_UDP -> "udp";
                case Packet.IPPROTO_ICMP -> "icmp";
                case Packet.IPPROTO_ICMPV6 -> "icmpv6";
                case Packet.IPPROTO_SCTP -> "sctp";
                case Packet.IPPROTO_ESP -> "esp";
                default -> Integer.toString(packet.l4Protocol());
            });
            number(json, LENGTH, packet.ipLength());
        }
        if (packet.hasPorts()) {
            number(json, SPORT, packet.sourcePort());
            number(json, DPORT, packet.destinationPort());
        }
        if (packet.l4Protocol() == Packet.IPPROTO_TCP) {
            number(json, SEQ, packet.sequence());
            number(json, ACK, packet.acknowledgement());
            StringBuilder flags = new StringBuilder();
            PacketFormat.appendTcpFlags(flags, packet.tcpFlags());
            string(json, TCP_FLAGS, flags.toString());
        }
        if (packet.l4Protocol() == Packet.IPPROTO_ICMP || packet.l4Protocol() == Packet.IPPROTO_ICMPV6) {
            number(json, ICMP_TYPE, packet.icmpType());
            number(json, ICMP_CODE, packet.icmpCode());
            number(json, ICMP_ID, packet.icmpId());
            number(json, ICMP_SEQ, packet.icmpSequence());
        }
        if (packet.vlanTci() != 0) {
            number(json, VLAN, packet.vlanTci() & 0xfff);
        }
        json.writeEndObject();
    }

    private static void netfilter(JsonGenerator json, Netfilter netfilter) throws IOException {
        json.writeObjectFieldStart("netfilter");
        json.writeStringField("source", netfilter.source().name().toLowerCase());
        json.writeStringField("family", netfilter.familyName());
        json.writeStringField("hook", netfilter.hookName());
        if (netfilter.source() != Netfilter.Source.HOOK) {
            json.writeStringField("table", netfilter.table());
            json.writeStringField("chain", netfilter.source() == Netfilter.Source.IPTABLES
                    ? netfilter.iptablesChain() : netfilter.chain());
        }
        json.writeEndObject();
    }

    private static void sock(JsonGenerator json, SockState sock) throws IOException {
        json.writeObjectFieldStart("sock");
        json.writeStringField("state", SockState.stateName(sock.state()));
        if (sock.changed()) {
            json.writeStringField("old_state", SockState.stateName(sock.oldState()));
        }
        json.writeNumberField("srtt_us", sock.srttMicros());
        json.writeNumberField("min_rtt_us", sock.minRttMicros());
        json.writeNumberField("snd_cwnd", sock.congestionWindow());
        json.writeNumberField("packets_out", sock.packetsOut());
        json.writeNumberField("retrans_out", sock.retransmitsOut());
        json.writeNumberField("total_retrans", sock.totalRetransmits());
        json.writeStringField("ca_state", sock.congestionName());
        json.writeEndObject();
    }

    private static void finding(JsonGenerator json, Finding finding) throws IOException {
        json.writeStartObject();
        json.writeStringField("level", finding.level().name().toLowerCase());
        json.writeStringField("message", finding.message());
        if (finding.advice().isPresent()) {
            json.writeStringField("advice", finding.advice().get());
        }
        for (Finding.Detail detail : finding.details()) {
            json.writeArrayFieldStart(detailKey(detail.title()));
            for (String text : detail.lines()) {
                json.writeString(text);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /** Stable keys for the details a finding carries (their titles are the text output's). */
    static String detailKey(String title) {
        return switch (title) {
            case "following hook functions are blamed" -> "blamed_hooks";
            case "netfilter" -> "netfilter_unknown";
            default -> title.replace(' ', '_');
        };
    }
}
