package nettrace.trace;

import java.util.ArrayList;
import java.util.List;

/** Times the phases of start-up, shown under --debug so slow starts can be explained. */
final class PhaseTimer {
    private final long start = System.nanoTime();
    private long last = start;
    private final List<String> phases = new ArrayList<>();

    void mark(String phase) {
        long now = System.nanoTime();
        phases.add(phase + " " + (now - last) / 1_000_000 + " ms");
        last = now;
    }

    String summary() {
        return "start-up: " + String.join(", ", phases) + "; total " + (last - start) / 1_000_000 + " ms";
    }
}
