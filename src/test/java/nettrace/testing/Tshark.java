package nettrace.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a capture file with tshark (Debian's {@code tshark} package) and fails on anything it
 * reports on stderr or by its exit code: a damaged file, an unknown field. Its warning about
 * running as root is not an error here. Names are not resolved ({@code -n}).
 */
public final class Tshark {
    private static final long TIMEOUT_SECONDS = 120;
    private static final String ROOT_WARNING = "Running as user \"root\"";
    // Control characters as separators: tshark escapes them inside values, so a comment holding
    // a comma or a tab still splits right.
    private static final String FIELD_SEPARATOR = "\u001e";
    private static final String OCCURRENCE_SEPARATOR = "\u001f";

    private final Path file;
    private final List<String> preferences;

    private Tshark(Path file, List<String> preferences) {
        this.file = file;
        this.preferences = preferences;
    }

    public static Tshark reading(Path file) {
        return new Tshark(file, List.of());
    }

    /** Has the IPv4, TCP and UDP dissectors check checksums too (tshark checks ICMP's always). */
    public Tshark verifyingChecksums() {
        return new Tshark(file, List.of("-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-o", "udp.check_checksum:TRUE"));
    }

    /** One line per packet, as {@code tshark -r FILE} prints them ("[Malformed Packet]" shows there). */
    public List<String> summary() {
        return run().lines().toList();
    }

    /** One frame per packet with the values of these fields ({@code -T fields -e ...}). */
    public List<Frame> frames(String... fields) {
        List<String> arguments = new ArrayList<>(List.of("-T", "fields", "-E", "occurrence=a",
                "-E", "aggregator=" + OCCURRENCE_SEPARATOR, "-E", "separator=" + FIELD_SEPARATOR));
        for (String field : fields) {
            arguments.add("-e");
            arguments.add(field);
        }
        List<Frame> frames = new ArrayList<>();
        for (String line : run(arguments.toArray(String[]::new)).lines().toList()) {
            String[] columns = line.split(FIELD_SEPARATOR, -1);
            if (columns.length != fields.length) {
                throw new IllegalStateException("tshark printed " + columns.length + " columns for "
                        + fields.length + " fields: " + line);
            }
            Map<String, List<String>> values = new LinkedHashMap<>();
            for (int i = 0; i < fields.length; i++) {
                values.put(fields[i], columns[i].isEmpty() ? List.of() : List.of(columns[i].split(OCCURRENCE_SEPARATOR, -1)));
            }
            frames.add(new Frame(values));
        }
        return frames;
    }

    /**
     * The values tshark printed for one packet, each field's occurrences in order. tshark
     * escapes control characters in values (a tab reads {@code \t}).
     */
    public record Frame(Map<String, List<String>> fields) {
        public List<String> all(String field) {
            List<String> values = fields.get(field);
            if (values == null) {
                throw new IllegalArgumentException(field + " was not asked of tshark");
            }
            return values;
        }

        /** The field's only value, "" when the packet has none. */
        public String field(String field) {
            List<String> values = all(field);
            if (values.size() > 1) {
                throw new IllegalStateException(field + " occurs " + values.size() + " times: " + values);
            }
            return values.isEmpty() ? "" : values.getFirst();
        }
    }

    private String run(String... arguments) {
        List<String> command = Stream.of(List.of("tshark", "-n", "-r", file.toString()), preferences,
                Arrays.asList(arguments)).flatMap(List::stream).toList();
        Shell.Result result = Shell.run(command, TIMEOUT_SECONDS).orFail(command);
        String errors = result.err().lines().filter(line -> !line.startsWith(ROOT_WARNING))
                .collect(Collectors.joining("\n"));
        if (!errors.isEmpty()) {
            throw new IllegalStateException(String.join(" ", command) + " reported: " + errors);
        }
        return result.out();
    }
}
