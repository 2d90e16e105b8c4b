package nettrace.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.tracer.Tracer;

/** Reads back what EventJsonWriter wrote: an event whole again, on any machine (nettrace replay). */
public final class EventJsonReader {
    private final BiFunction<String, String, Tracer> tracers;

    /** @param tracers the tracer of a recorded name and group (this version's tree, or a stand-in) */
    public EventJsonReader(BiFunction<String, String, Tracer> tracers) {
        this.tracers = tracers;
    }

    public SkbEvent read(JsonNode event) {
        Tracer tracer = tracers.apply(event.path("tracer").asText(), event.path("group").asText());
        return new SkbEvent(
                event.path("time_ns").asLong(),
                hex(event.path("skb").asText()),
                tracer,
                event.path("flags").asInt(),
                event.path("cpu").asInt(),
                event.path("pid").asInt(),
                new Namespace(event.path("netns").asLong(), event.path("netns_name").asText(),
                        event.path("netns_command").asText()),
                event.path("ifindex").asInt(),
                event.path("ifname").asText(),
                event.path("comm").asText(),
                packet(event.path("packet")),
                event.has("inner") ? packet(event.path("inner")) : null,
                hex(event.path("head").asText("0")),
                event.path("fingerprint").asLong(),
                event.path("return").asLong(),
                outcome(event, tracer),
                event.has("netfilter") ? netfilter(event.path("netfilter")) : null,
                event.has("sock") ? sock(event.path("sock")) : null,
                strings(event.path("stack")),
                event.has("capture") ? new Capture(event.path("capture").path("link").asInt(),
                        event.path("capture").path("length").asInt(),
                        Base64.getDecoder().decode(event.path("capture").path("bytes").asText())) : null);
    }

    private static Outcome outcome(JsonNode event, Tracer tracer) {
        Location location = event.has("location") ? Location.parse(event.path("location").asText()) : null;
        if (event.has("freed_with_parent")) {
            JsonNode parent = event.path("freed_with_parent");
            Location parentLocation = parent.has("location") ? Location.parse(parent.path("location").asText()) : null;
            Outcome end = switch (parent.path("end").asText()) {
                case "consumed" -> new Outcome.Consumed(parentLocation);
                case "dropped" -> new Outcome.Dropped(parent.path("drop_reason").asText(Outcome.UNKNOWN), parentLocation);
                default -> null;
            };
            return new Outcome.FreedWithParent(location, hex(parent.path("skb").asText("0")), end,
                    parent.has("packet") ? packet(parent.path("packet")) : null);
        }
        if (event.has("drop_reason")) {
            return new Outcome.Dropped(event.path("drop_reason").asText(), location);
        }
        if (event.has("reset_reason")) {
            return new Outcome.ResetSent(event.path("reset_reason").asText());
        }
        if (event.has("icmp_error_sent")) {
            return new Outcome.IcmpErrorSent(event.path("icmp_error_sent").path("type").asInt(),
                    event.path("icmp_error_sent").path("code").asInt());
        }
        if (event.has("clone")) {
            return new Outcome.Cloned(hex(event.path("clone").asText()));
        }
        if (tracer.analyzer().endsLife()) {
            return new Outcome.Consumed(location);
        }
        return null;
    }

    static Packet packet(JsonNode packet) {
        String l3Name = packet.path("l3").asText();
        int l3 = switch (l3Name) {
            case "ipv4" -> Packet.ETH_P_IP;
            case "ipv6" -> Packet.ETH_P_IPV6;
            case "arp" -> Packet.ETH_P_ARP;
            case "unknown" -> 0;
            default -> Integer.parseInt(l3Name.substring(2), 16);
        };
        long[] source = packet.has("saddr") ? Addresses.parseIp(packet.path("saddr").asText()) : new long[2];
        long[] destination = packet.has("daddr") ? Addresses.parseIp(packet.path("daddr").asText()) : new long[2];
        return new Packet(l3, l4(packet.path("l4").asText("0")), source[0], source[1], destination[0],
                destination[1], packet.path("sport").asInt(), packet.path("dport").asInt(),
                packet.path("seq").asLong(), packet.path("ack").asLong(),
                PacketFormat.parseTcpFlags(packet.path("tcp_flags").asText()), packet.path("length").asInt(),
                packet.path("vlan").asInt(), packet.path("icmp_type").asInt(), packet.path("icmp_code").asInt(),
                packet.path("icmp_id").asInt(), packet.path("icmp_seq").asInt(), packet.path("arp_op").asInt(),
                packet.has("hwaddr") ? Addresses.parseMac(packet.path("hwaddr").asText()) : 0,
                fragment(packet.path("fragment")), packet.path("fragment").path("id").asLong());
    }

    /** The header's field back from {"offset": bytes, "more": true}; 0 when absent. */
    private static int fragment(JsonNode fragment) {
        if (fragment.isMissingNode()) {
            return 0;
        }
        return Packet.fragmentField(fragment.path("offset").asInt(), fragment.path("more").asBoolean());
    }

    private static int l4(String name) {
        for (int protocol : new int[] {Packet.IPPROTO_TCP, Packet.IPPROTO_UDP, Packet.IPPROTO_ICMP,
            Packet.IPPROTO_ICMPV6, Packet.IPPROTO_SCTP, Packet.IPPROTO_ESP}) {
            if (EventJsonWriter.l4Name(protocol).equals(name)) {
                return protocol;
            }
        }
        return Integer.parseInt(name);
    }

    private static Netfilter netfilter(JsonNode netfilter) {
        Netfilter.Source source = Netfilter.Source.valueOf(netfilter.path("source").asText().toUpperCase(Locale.ROOT));
        return new Netfilter(source, netfilter.path("hook_number").asInt(), netfilter.path("pf").asInt(),
                netfilter.path("table").asText(), source == Netfilter.Source.NFTABLES
                        ? netfilter.path("chain").asText() : "", strings(netfilter.path("hooks")));
    }

    private static SockState sock(JsonNode sock) {
        return new SockState(SockState.stateCode(sock.path("state").asText()),
                sock.has("old_state") ? SockState.stateCode(sock.path("old_state").asText()) : 0,
                SockState.congestionCode(sock.path("ca_state").asText()), sock.path("srtt_us").asLong(),
                sock.path("min_rtt_us").asLong(), sock.path("snd_cwnd").asLong(), sock.path("packets_out").asLong(),
                sock.path("retrans_out").asLong(), sock.path("total_retrans").asLong());
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return List.copyOf(values);
    }

    private static long hex(String text) {
        return text.isEmpty() ? 0 : Long.parseUnsignedLong(text, 16);
    }
}
