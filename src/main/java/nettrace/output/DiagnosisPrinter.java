package nettrace.output;

import nettrace.diag.DiagnosedLife;
import nettrace.diag.DiagnosisSink;
import nettrace.diag.Finding;

/**
 * --diag output: the life's block with each finding on its event, then the analysis (SPEC §3),
 * then the verdict: good only for a packet seen to its normal end, otherwise what is known.
 */
public final class DiagnosisPrinter implements DiagnosisSink.Printer {
    private static final String INDENT = "    ";
    private static final String BODY = "        ";

    private final Console console;
    private final EventFormatter formatter;
    private final LatencyView latency;
    private final StringBuilder line = new StringBuilder(256);

    public DiagnosisPrinter(Console console, EventFormatter formatter, LatencyView latency) {
        this.console = console;
        this.formatter = formatter;
        this.latency = latency;
    }

    @Override
    public void print(DiagnosedLife diagnosed, boolean last) {
        if (latency.hides(diagnosed.life()) && !last) {
            return;
        }
        console.line(LifePrinter.header(diagnosed.life()));
        long previous = 0;
        for (DiagnosedLife.Entry entry : diagnosed.entries()) {
            line.setLength(0);
            formatter.append(line, entry.event());
            latency.appendDelta(line, previous, entry.event().timestamp());
            for (Finding finding : entry.findings()) {
                line.append(" *").append(finding.message()).append('*');
            }
            console.line(line);
            formatter.stackLines(entry.event()).forEach(console::line);
            previous = entry.event().timestamp();
        }
        String total = latency.total(diagnosed.life());
        if (total != null) {
            console.line(total);
        }
        LifePrinter.endingNote(diagnosed.life()).ifPresent(console::line);
        if (diagnosed.hasProblem()) {
            analysis(diagnosed);
        }
        if (last) {
            console.line("analysis finished!");
        } else {
            verdictLine(diagnosed);
        }
        console.line("");
    }

    private void verdictLine(DiagnosedLife diagnosed) {
        switch (diagnosed.verdict()) {
            case GOOD -> console.line("this is a good packet!");
            case EXPECTED -> console.line("dropped as expected: not a fault");
            case UNKNOWN -> console.line("this packet's fate is unknown: " + diagnosed.verdictReason());
            case WARN, ERROR -> { }
        }
    }

    private void analysis(DiagnosedLife diagnosed) {
        console.line("---------------- ANALYSIS RESULT ---------------------");
        int number = 0;
        for (DiagnosedLife.Entry entry : diagnosed.entries()) {
            for (Finding finding : entry.findings()) {
                if (!finding.isProblem()) {
                    continue;
                }
                number++;
                console.line("[" + number + "] " + finding.level() + " happens in " + entry.tracer() + "("
                        + entry.group() + "):");
                console.line(BODY + finding.message());
                for (Finding.Detail detail : finding.details()) {
                    if (detail.lines().size() > 1) {
                        console.line("");
                    }
                    console.line(INDENT + detail.title() + ":");
                    detail.lines().forEach(text -> console.line(BODY + text));
                }
                finding.advice().ifPresent(advice -> {
                    console.line("");
                    console.line(INDENT + "fix advice:");
                    console.line(BODY + advice);
                });
                console.line("");
            }
        }
    }

    @Override
    public void flush() {
        console.flush();
    }
}
