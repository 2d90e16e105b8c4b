package nettrace.event;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import nettrace.tracer.Tracer;

/**
 * An event's facts as JSON fields (docs/json-output.md), written from the record alone: the same
 * fields serve --output json and the --record file that `nettrace replay` reads back
 * (EventJsonReader). Field names, tracer names and packets are encoded once and reused: this
 * writes a million events a second.
 */
public final class EventJsonWriter {
    private static final SerializedString ACK = new SerializedString("ack");
    private static final SerializedString CLONE = new SerializedString("clone");
    private static final SerializedString COMM = new SerializedString("comm");
    private static final SerializedString CPU = new SerializedString("cpu");
    private static final SerializedString DADDR = new SerializedString("daddr");
    private static final SerializedString DPORT = new SerializedString("dport");
    private static final SerializedString DROP_REASON = new SerializedString("drop_reason");
    private static final SerializedString FINGERPRINT = new SerializedString("fingerprint");
    private static final SerializedString FLAGS = new SerializedString("flags");
    private static final SerializedString GROUP = new SerializedString("group");
    private static final SerializedString HEAD = new SerializedString("head");
    private static final SerializedString ICMP_CODE = new SerializedString("icmp_code");
    private static final SerializedString ICMP_ID = new SerializedString("icmp_id");
    private static final SerializedString ICMP_SEQ = new SerializedString("icmp_seq");
    private static final SerializedString ICMP_TYPE = new SerializedString("icmp_type");
    private static final SerializedString IFINDEX = new SerializedString("ifindex");
    private static final SerializedString IFNAME = new SerializedString("ifname");
    private static final SerializedString INNER = new SerializedString("inner");
    private static final SerializedString L3 = new SerializedString("l3");
    private static final SerializedString L4 = new SerializedString("l4");
    private static final SerializedString LENGTH = new SerializedString("length");
    private static final SerializedString LOCATION = new SerializedString("location");
    private static final SerializedString NETNS = new SerializedString("netns");
    private static final SerializedString NETNS_NAME = new SerializedString("netns_name");
    private static final SerializedString NETNS_COMMAND = new SerializedString("netns_command");
    private static final SerializedString PACKET = new SerializedString("packet");
    private static final SerializedString PID = new SerializedString("pid");
    private static final SerializedString RESET_REASON = new SerializedString("reset_reason");
    private static final SerializedString RETURN = new SerializedString("return");
    private static final SerializedString SADDR = new SerializedString("saddr");
    private static final SerializedString SEQ = new SerializedString("seq");
    private static final SerializedString SKB = new SerializedString("skb");
    private static final SerializedString SPORT = new SerializedString("sport");
    private static final SerializedString STACK = new SerializedString("stack");
    private static final SerializedString TCP_FLAGS = new SerializedString("tcp_flags");
    private static final SerializedString TIME_NS = new SerializedString("time_ns");
    private static final SerializedString TIME = new SerializedString("time");
    private static final SerializedString TRACER = new SerializedString("tracer");
    private static final SerializedString VLAN = new SerializedString("vlan");

    private final TimeText time;
    private final boolean returnValues;
    private final StringBuilder text = new StringBuilder(64);
    private char[] chars = new char[64];
    private final Map<Tracer, SerializedString[]> tracerTexts = new IdentityHashMap<>();
    private final ByteArrayOutputStream packetBytes = new ByteArrayOutputStream(256);
    private final JsonGenerator packetJson = generator(packetBytes);
    private final LastPacketRendering<SerializedString> encodedPacket = new LastPacketRendering<>(this::encode);
    private final LastHexText skbText = new LastHexText();
    private final LastHexText headText = new LastHexText();

    /**
     * @param time         the "time" field's text, or null to leave it out (a record: the facts only)
     * @param returnValues write every return value, not only those of tracers whose analysis reads it
     */
    public EventJsonWriter(TimeText time, boolean returnValues) {
        this.time = time;
        this.returnValues = returnValues;
    }

    /** A generator writing root values one after another, with nothing between them. */
    public static JsonGenerator generator(OutputStream target) {
        try {
            JsonGenerator generator = new JsonFactory().createGenerator(target);
            generator.setRootValueSeparator(null);
            return generator;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the event's fields into the object the generator is in. */
    public void fields(JsonGenerator json, SkbEvent event) throws IOException {
        number(json, TIME_NS, event.timestamp());
        if (time != null) {
            text.setLength(0);
            time.append(text, event.timestamp());
            if (chars.length < text.length()) {
                chars = new char[text.length()];
            }
            text.getChars(0, text.length(), chars, 0);
            json.writeFieldName(TIME);
            json.writeString(chars, 0, text.length());
        }
        SerializedString[] tracer = tracerText(event.tracer());
        string(json, TRACER, tracer[0]);
        string(json, GROUP, tracer[1]);
        string(json, SKB, skbText.of(event.skb()));
        number(json, FLAGS, event.flags());
        number(json, CPU, event.cpu());
        number(json, PID, event.pid());
        number(json, NETNS, event.netnsInode());
        string(json, NETNS_NAME, event.netns().name());
        if (!event.netns().commandPrefix().isEmpty()) {
            string(json, NETNS_COMMAND, event.netns().commandPrefix());
        }
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
        if (event.head() != 0) {
            string(json, HEAD, headText.of(event.head()));
            number(json, FINGERPRINT, event.fingerprint());
        }
        outcome(json, event);
        if (event.hasReturnValue() && (returnValues || event.tracer().needsReturnValue())) {
            number(json, RETURN, event.result());
        }
        if (event.hasNetfilter()) {
            netfilter(json, event.netfilter());
        }
        if (event.hasSock()) {
            sock(json, event.sock());
        }
        if (!event.stack().isEmpty()) {
            json.writeFieldName(STACK);
            json.writeStartArray();
            for (String frame : event.stack()) {
                json.writeString(frame);
            }
            json.writeEndArray();
        }
        if (event.capture() != null) {
            json.writeObjectFieldStart("capture");
            json.writeNumberField("link", event.capture().link());
            json.writeNumberField("length", event.capture().packetLength());
            json.writeStringField("bytes", Base64.getEncoder().encodeToString(event.capture().bytes()));
            json.writeEndObject();
        }
    }

    private static void outcome(JsonGenerator json, SkbEvent event) throws IOException {
        switch (event.outcome()) {
            case Outcome.Dropped drop -> {
                string(json, DROP_REASON, drop.reason());
                if (drop.location() != null) {
                    string(json, LOCATION, drop.location().text());
                }
            }
            case Outcome.FreedWithParent freed -> {
                if (freed.location() != null) {
                    string(json, LOCATION, freed.location().text());
                }
                json.writeObjectFieldStart("freed_with_parent");
                if (freed.parent() != 0) {
                    json.writeStringField("skb", Long.toHexString(freed.parent()));
                }
                json.writeStringField("end", freed.parentEndName());
                Location parentLocation = switch (freed.parentEnd()) {
                    case Outcome.Dropped drop -> {
                        json.writeStringField("drop_reason", drop.reason());
                        yield drop.location();
                    }
                    case Outcome.Consumed consumed -> consumed.location();
                    case null, default -> null;
                };
                if (parentLocation != null) {
                    json.writeStringField("location", parentLocation.text());
                }
                if (freed.parentPacket() != null) {
                    json.writeFieldName("packet");
                    packet(json, freed.parentPacket());
                }
                json.writeEndObject();
            }
            case Outcome.Consumed consumed -> {
                if (consumed.location() != null) {
                    string(json, LOCATION, consumed.location().text());
                }
            }
            case Outcome.ResetSent reset -> string(json, RESET_REASON, reset.reason());
            case Outcome.IcmpErrorSent icmp -> {
                json.writeObjectFieldStart("icmp_error_sent");
                json.writeNumberField("type", icmp.type());
                json.writeNumberField("code", icmp.code());
                json.writeStringField("name", icmp.name());
                json.writeEndObject();
            }
            case Outcome.Cloned cloned -> string(json, CLONE, Long.toHexString(cloned.copy()));
            case null -> { }
        }
    }

    private SerializedString[] tracerText(Tracer tracer) {
        SerializedString[] texts = tracerTexts.get(tracer);
        if (texts == null) {
            texts = new SerializedString[] {new SerializedString(tracer.name()), new SerializedString(tracer.group())};
            tracerTexts.put(tracer, texts);
        }
        return texts;
    }

    private SerializedString encode(Packet packet) {
        packetBytes.reset();
        try {
            packet(packetJson, packet);
            packetJson.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SerializedString(packetBytes.toString(UTF_8));
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
        if (packet.l3Protocol() == Packet.ETH_P_ARP) {
            json.writeNumberField("arp_op", packet.arpOperation());
            StringBuilder mac = new StringBuilder(17);
            Addresses.appendMac(mac, packet.hardwareAddress());
            json.writeStringField("hwaddr", mac.toString());
        }
        if (packet.isIpv4() || packet.isIpv6()) {
            string(json, L4, l4Name(packet.l4Protocol()));
            number(json, LENGTH, packet.ipLength());
        }
        if (packet.hasPorts()) {
            number(json, SPORT, packet.sourcePort());
            number(json, DPORT, packet.destinationPort());
        }
        if (packet.isFragment()) {
            json.writeObjectFieldStart("fragment");
            json.writeNumberField("id", packet.ipId());
            json.writeNumberField("offset", packet.fragmentOffset());
            json.writeBooleanField("more", packet.moreFragments());
            json.writeEndObject();
        }
        if (packet.l4Protocol() == Packet.IPPROTO_TCP && !packet.isLaterFragment()) {
            number(json, SEQ, packet.sequence());
            number(json, ACK, packet.acknowledgement());
            StringBuilder flags = new StringBuilder();
            PacketFormat.appendTcpFlags(flags, packet.tcpFlags());
            string(json, TCP_FLAGS, flags.toString());
        }
        if ((packet.l4Protocol() == Packet.IPPROTO_ICMP || packet.l4Protocol() == Packet.IPPROTO_ICMPV6)
                && !packet.isLaterFragment()) {
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

    /** "tcp", "udp", ..., or the protocol number as text (EventJsonReader reads both). */
    static String l4Name(int protocol) {
        return switch (protocol) {
            case Packet.IPPROTO_TCP -> "tcp";
            case Packet.IPPROTO_UDP -> "udp";
            case Packet.IPPROTO_ICMP -> "icmp";
            case Packet.IPPROTO_ICMPV6 -> "icmpv6";
            case Packet.IPPROTO_SCTP -> "sctp";
            case Packet.IPPROTO_ESP -> "esp";
            default -> Integer.toString(protocol);
        };
    }

    private static void netfilter(JsonGenerator json, Netfilter netfilter) throws IOException {
        json.writeObjectFieldStart("netfilter");
        json.writeStringField("source", netfilter.source().name().toLowerCase(Locale.ROOT));
        json.writeStringField("family", netfilter.familyName());
        json.writeNumberField("pf", netfilter.family());
        json.writeStringField("hook", netfilter.hookName());
        json.writeNumberField("hook_number", netfilter.hook());
        if (netfilter.source() != Netfilter.Source.HOOK) {
            json.writeStringField("table", netfilter.table());
            json.writeStringField("chain", netfilter.source() == Netfilter.Source.IPTABLES
                    ? netfilter.iptablesChain() : netfilter.chain());
        }
        if (!netfilter.hooks().isEmpty()) {
            json.writeArrayFieldStart("hooks");
            for (String hook : netfilter.hooks()) {
                json.writeString(hook);
            }
            json.writeEndArray();
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

    /** An address's hex text, made again only when it differs from the last one asked for (a life's hits repeat it). */
    private static final class LastHexText {
        private long value;
        private String text = "0";

        String of(long next) {
            if (next != value) {
                value = next;
                text = Long.toHexString(next);
            }
            return text;
        }
    }
}
