package nettrace.monitor.capture;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The latest diagnoses (for /diagnoses) and, per drop class, the latest one (for the exemplars). */
public final class DiagnosisBoard {
    private final int kept;
    private final Deque<Diagnosis> latest = new ArrayDeque<>();
    private final Map<DropClass, Diagnosis> byClass = new HashMap<>();
    private long published;

    public DiagnosisBoard(int kept) {
        this.kept = kept;
    }

    public synchronized void publish(Diagnosis diagnosis) {
        latest.addFirst(diagnosis);
        while (latest.size() > kept) {
            latest.removeLast();
        }
        if (diagnosis.error().isEmpty() && !diagnosis.lives().isEmpty()) {
            byClass.put(diagnosis.dropClass(), diagnosis);
        }
        published++;
    }

    /** Newest first. */
    public synchronized List<Diagnosis> latest() {
        return List.copyOf(latest);
    }

    /** No drop class has a diagnosis (what a scrape asks before looking up each of its series). */
    public synchronized boolean isEmpty() {
        return byClass.isEmpty();
    }

    public synchronized Optional<Diagnosis> latestFor(DropClass dropClass) {
        return Optional.ofNullable(byClass.get(dropClass));
    }

    /** Diagnoses published since the start (failed captures too). */
    public synchronized long published() {
        return published;
    }
}
