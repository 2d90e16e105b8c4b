package nettrace.diag;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Fix advice per drop reason name, and the locations where a reason is benign (drop-reasons.yaml). */
public final class DropAdvice {
    public static final String RESOURCE = "/nettrace/drop-reasons.yaml";

    private final Map<String, String> advice;
    private final Map<String, Map<String, String>> benign;

    private DropAdvice(Map<String, String> advice, Map<String, Map<String, String>> benign) {
        this.advice = advice;
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
        Map<String, Map<String, String>> benign = new HashMap<>();
        document.forEach((reason, value) -> {
            Map<String, Object> entry = (Map<String, Object>) value;
            advice.put(reason, String.valueOf(entry.get("advice")));
            if (entry.get("benign") instanceof Map<?, ?> locations) {
                Map<String, String> why = new HashMap<>();
                locations.forEach((function, text) -> why.put(String.valueOf(function), String.valueOf(text)));
                benign.put(reason, why);
            }
        });
        return new DropAdvice(advice, benign);
    }

    public Optional<String> advice(String reason) {
        return Optional.ofNullable(advice.get(reason));
    }

    /** Why a drop with this reason in this function is the kernel working as intended, if it is. */
    public Optional<String> benign(String reason, String function) {
        return Optional.ofNullable(benign.getOrDefault(reason, Map.of()).get(function));
    }

    /** Every reason with advice (for tests). */
    public java.util.Set<String> reasons() {
        return advice.keySet();
    }
}
