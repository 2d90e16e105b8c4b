package nettrace.monitor.capture;

import java.util.List;

/** What makes drops one class for capture-on-anomaly: the reason, where, and in which namespace. */
public record DropClass(String reason, String location, String netns) {

    /** The class of a drop series from its labels (reason, location, netns first). */
    public static DropClass of(List<String> labelValues) {
        return new DropClass(labelValues.get(0), labelValues.get(1), labelValues.get(2));
    }
}
