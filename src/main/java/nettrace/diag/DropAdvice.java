package nettrace.diag;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import nettrace.event.Packet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Fix advice per drop reason name, advice for a reason at a particular drop location, and the
 * locations where a reason is benign (drop-reasons.yaml).
 */
public final class DropAdvice {
    public static final String RESOURCE = "/nettrace/drop-reasons.yaml";

    private final Map<String, String> advice;
    private final Map<String, Map<String, String>> atLocation;
    private final Map<String, Map<String, String>> benign;

    private DropAdvice(Map<String, String> advice, Map<String, Map<String, String>> atLocation,
            Map<String, Map<String, String>> benign) {
        this.advice = advice;
        this.atLocation = atLocation;
        this.benign = benign;
    }

    public static DropAdvice load() {
        try (InputStream in = DropAdvice.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static DropAdvice parse(String yaml) {
        Map<String, Object> document = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(yaml);
        Map<String, String> advice = new HashMap<>();
        Map<String, Map<String, String>> atLocation = new HashMap<>();
        Map<String, Map<String, String>> benign = new HashMap<>();
        document.forEach((reason, value) -> {
            Map<String, Object> entry = (Map<String, Object>) value;
            advice.put(reason, String.valueOf(entry.get("advice")));
            byFunction(entry.get("at")).ifPresent(texts -> atLocation.put(reason, texts));
            byFunction(entry.get("benign")).ifPresent(texts -> benign.put(reason, texts));
        });
        return new DropAdvice(advice, atLocation, benign);
    }

    private static Optional<Map<String, String>> byFunction(Object section) {
        if (!(section instanceof Map<?, ?> locations)) {
            return Optional.empty();
        }
        Map<String, String> texts = new HashMap<>();
        locations.forEach((function, text) -> texts.put(String.valueOf(function), String.valueOf(text)));
        return Optional.of(texts);
    }

    public Optional<String> advice(String reason) {
        return Optional.ofNullable(advice.get(reason));
    }

    /** The advice for this reason where the kernel dropped it (function), else the reason's own. */
    public Optional<String> advice(String reason, Optional<String> function) {
        return function.map(name -> atLocation.getOrDefault(reason, Map.of()).get(name))
                .or(() -> advice(reason));
    }

    /**
     * Why a drop with this reason in this function is the kernel working as intended, if it is: for
     * this kind of packet ("icmpv6_rcv/echo-request", see {@link #packetKind}), else for any.
     */
    public Optional<String> benign(String reason, String function, Packet packet) {
        Map<String, String> texts = benign.getOrDefault(reason, Map.of());
        return Optional.ofNullable(texts.get(function + "/" + packetKind(packet)))
                .or(() -> Optional.ofNullable(texts.get(function)));
    }

    /**
     * What a benign entry may name after its function: "echo-request" (ICMP or ICMPv6),
     * "neighbour-discovery" (ICMPv6 types 133 to 137), else "".
     */
    static String packetKind(Packet packet) {
        if (packet.isLaterFragment()) {
            return "";
        }
        boolean icmpv6 = packet.l4Protocol() == Packet.IPPROTO_ICMPV6;
        if (packet.l4Protocol() == Packet.IPPROTO_ICMP && packet.icmpType() == 8 || icmpv6 && packet.icmpType() == 128) {
            return "echo-request";
        }
        return icmpv6 && packet.icmpType() >= 133 && packet.icmpType() <= 137 ? "neighbour-discovery" : "";
    }

    /** Every reason with advice (for tests). */
    public java.util.Set<String> reasons() {
        return advice.keySet();
    }
}
