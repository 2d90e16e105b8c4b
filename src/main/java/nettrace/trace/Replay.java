package nettrace.trace;

import java.nio.file.Path;
import nettrace.NettraceException;
import nettrace.Version;
import nettrace.config.Config;
import nettrace.config.View;
import nettrace.event.EventSink;
import nettrace.event.TimeText;
import nettrace.output.Console;
import nettrace.output.Summary;
import nettrace.record.RecordHeader;
import nettrace.record.Recording;
import nettrace.tracer.TracerTree;

/**
 * `nettrace replay FILE`: a run whose events come from a record (--record) instead of the
 * kernel. Any view of them, with the replay's own mode, filters and output, and no root, BPF or
 * kernel needed: the events carry every name a view shows.
 */
public final class Replay {
    private Replay() {
    }

    public static int run(Path file, Config config, Console console) {
        View view = config.mode().view();
        if (view == View.RTT_REPORT || view == View.FUNCTION_STATS) {
            throw NettraceException.badInput("replay: " + config.mode().option() + " shows counters the kernel"
                    + " keeps, which a record does not hold; replay the events with another mode");
        }
        try (Recording recording = Recording.open(file, TracerTree.load());
                Destination destination = Destination.open(config, console)) {
            RecordHeader header = recording.header();
            Console out = destination.console();
            EventSink views = Views.of(new Views.Setting(config, out, destination.pcapng(), new RunControl(),
                    new TimeText(config.output().date(), header.bootEpochNanos()), header.netfilterDetailMissing(),
                    header.kernel(), Version.application(), null));
            EventSink sink = new ReplayFilter(config.mode().tracerMode(), config.filter(), config.mode().followsSkb(), views);
            if (config.filter().expression().isPresent()) {
                console.message("nettrace: replay: --filter reads the packets' bytes, which a record holds only"
                        + " when taken with --output pcapng; events without them are left out");
            }
            long limit = config.count();
            Banner.begin(config, out);
            long events = recording.forEach(event -> {
                if (limit == 0 || sink.completed() < limit) {
                    sink.accept(event);
                }
            });
            sink.finish();
            Banner.end(config, out, recording.summary().orElse(new Summary(events, 0, 0, "end of record")));
            return 0;
        }
    }
}
