package nettrace.diag;

import java.util.function.Consumer;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.SkbLife;

/**
 * Diagnoses each finished life and hands it to the printer: --diag-quiet keeps only lives
 * with a problem; without --diag-keep, the first life with an ERROR is the last one shown.
 */
public final class DiagnosisSink implements LifeSink {
    /** Receives the diagnosed lives to show; `last` is true for the one that ends the run. */
    public interface Printer {
        void print(DiagnosedLife life, boolean last);

        default void flush() {
        }
    }

    private final Diagnosis diagnosis;
    private final Printer printer;
    private final boolean quiet;
    private final boolean keep;
    private final Consumer<String> stop;
    private boolean finished;

    public DiagnosisSink(Diagnosis diagnosis, Printer printer, boolean quiet, boolean keep, Consumer<String> stop) {
        this.diagnosis = diagnosis;
        this.printer = printer;
        this.quiet = quiet;
        this.keep = keep;
        this.stop = stop;
    }

    @Override
    public void complete(SkbLife life) {
        if (finished) {
            return;
        }
        DiagnosedLife diagnosed = diagnosis.diagnose(life);
        if (quiet && !diagnosed.hasProblem()) {
            return;
        }
        boolean last = diagnosed.hasError() && !keep;
        printer.print(diagnosed, last);
        if (last) {
            finished = true;
            stop.accept("first error diagnosed");
        }
    }

    @Override
    public void flush() {
        printer.flush();
    }
}
