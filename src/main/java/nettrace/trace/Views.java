package nettrace.trace;

import java.io.OutputStream;
import java.util.Optional;
import java.util.function.Consumer;
import nettrace.config.Config;
import nettrace.config.OutputFormat;
import nettrace.diag.Diagnosis;
import nettrace.diag.DiagnosisSink;
import nettrace.diag.DropAdvice;
import nettrace.diag.Handshakes;
import nettrace.event.EventJsonWriter;
import nettrace.event.EventSink;
import nettrace.event.TimeText;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.output.BasicOutput;
import nettrace.output.Console;
import nettrace.output.DiagnosisPrinter;
import nettrace.output.EventFormatter;
import nettrace.output.JsonOutput;
import nettrace.output.LatencyPrinter;
import nettrace.output.LatencySummary;
import nettrace.output.LatencyView;
import nettrace.output.LifePrinter;
import nettrace.output.PeriodicReport;
import nettrace.output.pcapng.PcapngOutput;

/**
 * What a run shows of its events, made from its mode's view and output format (config.Mode's
 * table): the same for a live trace and for a replay of a record.
 */
public final class Views {
    private Views() {
    }

    /**
     * What building a view needs.
     *
     * @param pcapng                 where --output pcapng writes (the output file), or null for the other formats
     * @param netfilterDetailMissing why netfilter tables and chains are not known, if so
     * @param kernelRelease          the kernel the events come from (pcapng's section header)
     * @param counters               the kernel's counters for the periodic reports, or null (a replay has none)
     */
    public record Setting(Config config, Console console, OutputStream pcapng, RunControl stop, TimeText time,
            Optional<String> netfilterDetailMissing, String kernelRelease, String application,
            PeriodicCounters counters) {
    }

    /** The counters --rtt and --func-stats print each second, as the BPF side keeps them. */
    public interface PeriodicCounters {
        long[] rttHistogram();

        long[] hitsPerTracer();

        String tracerName(int id);
    }

    public static EventSink of(Setting setting) {
        Config config = setting.config();
        OutputFormat format = config.output().format();
        EventFormatter formatter = new EventFormatter(setting.time(), config.output().detail(),
                config.output().returnValues());
        LatencyView latency = LatencyView.of(config);
        return switch (config.mode().view()) {
            case EVENTS -> switch (format) {
                case TEXT -> new BasicOutput(setting.console(), formatter);
                case JSON -> json(setting);
                case PCAPNG -> pcapng(setting);
            };
            case LIVES -> new LifecycleTracker(switch (format) {
                case TEXT -> (LifeSink) new LifePrinter(setting.console(), formatter, config.output().tiny(), latency);
                case JSON -> json(setting);
                case PCAPNG -> pcapng(setting);
            }, config.count());
            case DIAGNOSES -> diagnosing(setting, switch (format) {
                case TEXT -> (DiagnosisSink.Printer) new DiagnosisPrinter(setting.console(), formatter, latency,
                        config.output().tiny());
                case JSON -> json(setting);
                case PCAPNG -> pcapng(setting);
            });
            case LATENCIES -> new LifecycleTracker(config.modes().latencySummary()
                    ? new LatencySummary(setting.console(), latency)
                    : new LatencyPrinter(setting.console(), formatter, latency), config.count());
            case RTT_REPORT -> PeriodicReport.rtt(setting.console(), formatter, setting.counters()::rttHistogram);
            case FUNCTION_STATS -> PeriodicReport.functionStats(setting.console(), formatter,
                    setting.counters()::hitsPerTracer, setting.counters()::tracerName);
        };
    }

    private static JsonOutput json(Setting setting) {
        return new JsonOutput(setting.console(), new EventJsonWriter(setting.time(),
                setting.config().output().returnValues()));
    }

    private static PcapngOutput pcapng(Setting setting) {
        return new PcapngOutput(setting.pcapng(), setting.application(), setting.kernelRelease(),
                setting.config().output().snaplen(), setting.time().bootEpoch());
    }

    /** --diag: lives diagnosed and shown; TCP handshakes watched as the events come. */
    private static EventSink diagnosing(Setting setting, DiagnosisSink.Printer printer) {
        Config config = setting.config();
        setting.netfilterDetailMissing().ifPresent(why -> setting.console().message("nettrace: netfilter tables,"
                + " chains and hook functions will not be shown: " + why + "; drops are diagnosed from the kernel's"
                + " drop reasons"));
        Handshakes handshakes = new Handshakes();
        Diagnosis diagnosis = new Diagnosis(DropAdvice.load(), setting.netfilterDetailMissing(), config.diag().hooks(),
                handshakes);
        return handshakes.inFrontOf(new LifecycleTracker(new DiagnosisSink(diagnosis, printer, config.diag().quiet(),
                config.diag().keep(), firstError(setting)), config.count()));
    }

    /**
     * What the first error does without --diag-keep: it ends the trace, unless a command sets the
     * span; then the command goes on to its end, and the diagnosis stops showing packets.
     */
    private static Consumer<String> firstError(Setting setting) {
        if (setting.config().command().isEmpty()) {
            return setting.stop()::stop;
        }
        return reason -> setting.console().message("nettrace: " + reason + "; no further packet is shown, the"
                + " command goes on until it exits (use --diag-keep to see them all)");
    }
}
