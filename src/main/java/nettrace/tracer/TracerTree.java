package nettrace.tracer;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import nettrace.NettraceException;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** The tracer tree read from its resource file, with lookup and selection by name. */
public final class TracerTree {
    public static final String RESOURCE = "/nettrace/tracers.yaml";
    private static final Set<String> GROUP_KEYS = Set.of("name", "description", "default", "modes", "children");
    private static final Set<String> TRACER_KEYS = Set.of("name", "description", "function", "skb", "sock",
            "tracepoint", "program", "analyzer", "rules", "default", "headers");
    private static final Set<String> RULE_KEYS = Set.of("when", "level", "message", "advice");

    private final List<TracerGroup> roots;
    private final Map<String, Tracer> tracers = new LinkedHashMap<>();
    private final Map<String, TracerGroup> groups = new LinkedHashMap<>();

    private TracerTree(List<TracerGroup> roots) {
        this.roots = roots;
        for (TracerGroup root : roots) {
            index(root);
        }
    }

    private void index(TracerGroup group) {
        if (groups.put(group.name(), group) != null || tracers.containsKey(group.name())) {
            throw new IllegalArgumentException("name used twice: " + group.name());
        }
        for (Tracer tracer : group.tracers()) {
            if (tracers.put(tracer.name(), tracer) != null || groups.containsKey(tracer.name())) {
                throw new IllegalArgumentException("name used twice: " + tracer.name());
            }
        }
        group.groups().forEach(this::index);
    }

    /** The tree shipped in the jar. */
    public static TracerTree load() {
        try (InputStream in = TracerTree.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses tree YAML; a malformed tree is a build defect, reported with the offending node. */
    public static TracerTree parse(String yaml) {
        Object document = new Load(LoadSettings.builder().setLabel("tracer tree").build()).loadFromString(yaml);
        Map<String, Object> top = map(document, "top level");
        List<TracerGroup> roots = new ArrayList<>();
        for (Object node : list(top.get("groups"), "groups")) {
            roots.add(group(map(node, "group"), true, List.of()));
        }
        return new TracerTree(roots);
    }

    private static TracerGroup group(Map<String, Object> node, boolean inheritedDefault, List<String> inheritedModes) {
        String name = string(node, "name", "a group");
        checkKeys(node, GROUP_KEYS, "group " + name);
        boolean defaultOn = inheritedDefault && bool(node, "default", true);
        List<String> modes = inheritedModes;
        if (node.containsKey("modes")) {
            modes = list(node.get("modes"), "modes of " + name).stream().map(String::valueOf).toList();
        }
        List<TracerGroup> groups = new ArrayList<>();
        List<Tracer> tracers = new ArrayList<>();
        for (Object child : list(node.get("children"), "children of " + name)) {
            Map<String, Object> childNode = map(child, "child of " + name);
            if (childNode.containsKey("children")) {
                groups.add(group(childNode, defaultOn, modes));
            } else {
                tracers.add(tracer(childNode, name, defaultOn, modes));
            }
        }
        return new TracerGroup(name, optionalString(node, "description"), defaultOn, groups, tracers);
    }

    private static Tracer tracer(Map<String, Object> node, String group, boolean inheritedDefault,
            List<String> modes) {
        String name = string(node, "name", "a tracer of " + group);
        String where = "tracer " + name;
        checkKeys(node, TRACER_KEYS, where);
        List<String> functions = new ArrayList<>();
        Object function = node.get("function");
        if (function instanceof String single) {
            functions.add(single);
        } else if (function != null) {
            for (Object item : list(function, where + " function")) {
                functions.add(String.valueOf(item));
            }
        }
        boolean sock = node.containsKey("sock");
        int argument = sock ? integer(node, "sock", where) : node.containsKey("skb") ? integer(node, "skb", where) : -1;
        Optional<String> tracepoint = Optional.ofNullable((String) node.get("tracepoint"));
        if (functions.isEmpty() && tracepoint.isEmpty() && (node.containsKey("skb") || sock)) {
            functions.add(name);
        }
        if (!functions.isEmpty() && argument < 0) {
            throw new IllegalArgumentException(where + ": a function needs its skb or sock argument index");
        }
        if (functions.isEmpty() && tracepoint.isEmpty()) {
            throw new IllegalArgumentException(where + ": needs a function (with skb/sock) or a tracepoint");
        }
        if (tracepoint.isPresent() && !tracepoint.get().matches("[a-z0-9_]+:[a-z0-9_]+")) {
            throw new IllegalArgumentException(where + ": tracepoint must be category:name");
        }
        Analyzer analyzer = node.containsKey("analyzer") ? Analyzer.parse(string(node, "analyzer", where))
                : Analyzer.DEFAULT;
        List<Rule> rules = new ArrayList<>();
        for (Object item : list(node.getOrDefault("rules", List.of()), where + " rules")) {
            Map<String, Object> rule = map(item, where + " rule");
            checkKeys(rule, RULE_KEYS, where + " rule");
            rules.add(new Rule(Rule.Condition.parse(String.valueOf(rule.getOrDefault("when", "any"))),
                    Rule.Level.parse(string(rule, "level", where)),
                    string(rule, "message", where),
                    Optional.ofNullable((String) rule.get("advice")).map(String::strip)));
        }
        return new Tracer(name, group, List.copyOf(functions), argument, sock, tracepoint,
                Optional.ofNullable((String) node.get("program")), analyzer, List.copyOf(rules),
                bool(node, "default", inheritedDefault), modes, headersUnwritten(node, where));
    }

    /** headers: unwritten, on a function that writes its packet's headers after its entry */
    private static boolean headersUnwritten(Map<String, Object> node, String where) {
        if (!node.containsKey("headers")) {
            return false;
        }
        if (!"unwritten".equals(node.get("headers"))) {
            throw new IllegalArgumentException(where + ": headers can only be 'unwritten'");
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node, String where) {
        if (!(node instanceof Map)) {
            throw new IllegalArgumentException(where + ": expected a mapping");
        }
        return (Map<String, Object>) node;
    }

    private static List<?> list(Object node, String where) {
        if (!(node instanceof List<?> items)) {
            throw new IllegalArgumentException(where + ": expected a list");
        }
        return items;
    }

    private static String string(Map<String, Object> node, String key, String where) {
        Object value = node.get(key);
        if (value == null) {
            throw new IllegalArgumentException(where + ": missing " + key);
        }
        return String.valueOf(value);
    }

    private static String optionalString(Map<String, Object> node, String key) {
        Object value = node.get(key);
        return value == null ? "" : String.valueOf(value);
    }

    private static int integer(Map<String, Object> node, String key, String where) {
        if (!(node.get(key) instanceof Integer value) || value < 0 || value > 11) {
            throw new IllegalArgumentException(where + ": " + key + " must be an argument index (0-11)");
        }
        return value;
    }

    private static boolean bool(Map<String, Object> node, String key, boolean fallback) {
        Object value = node.get(key);
        return value == null ? fallback : (Boolean) value;
    }

    private static void checkKeys(Map<String, Object> node, Set<String> allowed, String where) {
        for (String key : node.keySet()) {
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key '" + key + "'");
            }
        }
    }

    public List<TracerGroup> roots() {
        return roots;
    }

    public List<Tracer> all() {
        return List.copyOf(tracers.values());
    }

    public Optional<Tracer> tracer(String name) {
        return Optional.ofNullable(tracers.get(name));
    }

    public Optional<TracerGroup> group(String name) {
        return Optional.ofNullable(groups.get(name));
    }

    /**
     * The tracers named by a -t style list (groups expand to their tracers; "all" is every
     * tracer), minus the excluded ones, keeping those that belong to the mode. An empty list
     * means the default tracers.
     *
     * @param mode "sock" for the socket tracers, anything else for the skb modes
     */
    public List<Tracer> select(List<String> names, List<String> excluded) {
        return select(names, excluded, "skb");
    }

    public List<Tracer> select(List<String> names, List<String> excluded, String mode) {
        Set<Tracer> chosen = new LinkedHashSet<>();
        if (names.isEmpty()) {
            tracers.values().stream().filter(Tracer::defaultOn).forEach(chosen::add);
        } else {
            for (String name : names) {
                chosen.addAll(expand(name));
            }
        }
        for (String name : excluded) {
            expand(name).forEach(chosen::remove);
        }
        chosen.removeIf(tracer -> !tracer.servesMode(mode));
        return List.copyOf(chosen);
    }

    private List<Tracer> expand(String name) {
        if (name.equals("all")) {
            return all();
        }
        Tracer tracer = tracers.get(name);
        if (tracer != null) {
            return List.of(tracer);
        }
        TracerGroup group = groups.get(name);
        if (group != null) {
            return group.allTracers();
        }
        throw NettraceException.badInput("unknown tracer or group '" + name + "' (see nettrace -t '?')");
    }
}
