package nettrace.tracer;

import java.util.List;

/** An inner node of the tracer tree: a named set of groups and tracers. */
public record TracerGroup(String name, String description, boolean defaultOn, List<TracerGroup> groups,
        List<Tracer> tracers) {

    /** Every tracer under this group, depth first in file order. */
    public List<Tracer> allTracers() {
        List<Tracer> all = new java.util.ArrayList<>(tracers);
        for (TracerGroup group : groups) {
            all.addAll(group.allTracers());
        }
        return all;
    }
}
