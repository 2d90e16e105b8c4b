package nettrace.tracer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The text of `nettrace -t ?`: the tree, and for each tracer how this kernel can attach it. */
public final class TreeListing {
    private static final int NAME_WIDTH = 34;

    private TreeListing() {
    }

    /** @param plan a plan of every tracer in the tree, or null when the kernel could not be probed */
    public static List<String> lines(TracerTree tree, AttachPlan plan, String whyNotProbed) {
        Map<String, String> states = new HashMap<>();
        if (plan != null) {
            for (AttachPlan.Planned planned : plan.planned()) {
                String target = planned.mechanism() == Mechanism.TRACEPOINT
                        ? planned.tracer().tracepoint().orElse(planned.target()) : planned.target();
                states.put(planned.tracer().name(), planned.mechanism().label() + " " + target);
            }
            for (AttachPlan.Unavailable unavailable : plan.unavailable()) {
                states.put(unavailable.tracer().name(), "unavailable: " + unavailable.reason());
            }
        }
        List<String> lines = new ArrayList<>();
        for (TracerGroup root : tree.roots()) {
            group(root, 0, states, whyNotProbed, lines);
        }
        lines.add("");
        lines.add(plan == null ? "(" + whyNotProbed + ")" : plan.summary());
        return lines;
    }

    private static void group(TracerGroup group, int depth, Map<String, String> states, String whyNotProbed,
            List<String> lines) {
        String indent = "  ".repeat(depth);
        String modes = group.tracers().isEmpty() || group.tracers().getFirst().modes().isEmpty() ? ""
                : " [" + String.join(", ", group.tracers().getFirst().modes()) + " mode]";
        lines.add(pad(indent + group.name()) + group.description() + (group.defaultOn() ? "" : " (off by default)")
                + modes);
        for (Tracer tracer : group.tracers()) {
            String state = states.getOrDefault(tracer.name(), whyNotProbed);
            lines.add(pad(indent + "  " + tracer.name()) + state + (tracer.defaultOn() || !group.defaultOn()
                    ? "" : " (off by default)"));
        }
        for (TracerGroup child : group.groups()) {
            group(child, depth + 1, states, whyNotProbed, lines);
        }
    }

    private static String pad(String text) {
        return text.length() >= NAME_WIDTH ? text + " " : text + " ".repeat(NAME_WIDTH - text.length());
    }
}
