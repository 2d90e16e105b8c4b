package nettrace.bench;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import nettrace.event.EventDecoder;
import nettrace.event.EventJsonWriter;
import nettrace.event.TimeText;
import nettrace.kernel.NetworkNamespaces;
import nettrace.trace.DecodeContext;
import nettrace.bpf.EventLayout;
import nettrace.bpf.EventSizes;
import nettrace.event.EventSink;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.libbpf.RingBuffer;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.output.BasicOutput;
import nettrace.output.Console;
import nettrace.output.EventFormatter;
import nettrace.output.JsonOutput;
import nettrace.output.LatencyView;
import nettrace.output.LifePrinter;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Tracer;
import nettrace.testing.Events;
import nettrace.trace.ConsumerWarmUp;

/**
 * How many events per second nettrace's consuming side handles: ring-buffer records laid out
 * as the BPF side writes them (ConsumerWarmUp's packets: five hooks, then freed, but for one in
 * eight), decoded, grouped (or not) and printed to /dev/null with the real classes, read
 * straight from memory (not through a ring: writing one would be counted too). No kernel is
 * involved, so the figure is the consumer's capacity, whatever rate this machine can make packets
 * at. bench/run runs it:
 *   java -cp target/nettrace.jar:target/test-classes nettrace.bench.ConsumerBenchmark MODE SECONDS
 * MODE: basic, lifecycle or json (lifecycle mode's lives as --output json). Prints
 * "events_per_second N" and "peak_rss_mb N".
 */
public final class ConsumerBenchmark {
    private static final List<String> HOOKS = List.of("net_dev_queue", "net_dev_start_xmit", "netif_rx",
            "net_dev_xmit", "netif_receive_skb", "consume_skb");
    private static final int SKBS = 4096;
    /** Time between events: the printed microseconds take all their forms. */
    private static final long EVENT_GAP_NANOS = 1_337;

    private ConsumerBenchmark() {
    }

    public static void main(String[] arguments) throws Exception {
        String mode = arguments.length > 0 ? arguments[0] : "basic";
        double seconds = arguments.length > 1 ? Double.parseDouble(arguments[1]) : 10;
        AttachPlan plan = plan();
        Console console = new Console(new FileOutputStream("/dev/null"), new PrintStream(System.err));
        EventFormatter formatter = new EventFormatter(new TimeText(false, TimeText.bootEpochNanos()), false, false);
        EventSink sink = switch (mode) {
            case "lifecycle" -> new LifecycleTracker(new LifePrinter(console, formatter, false,
                    new LatencyView(false, false, 0)), 0);
            case "json" -> new LifecycleTracker(new JsonOutput(console, new EventJsonWriter(new TimeText(false,
                    TimeText.bootEpochNanos()), false)), 0);
            default -> new BasicOutput(console, formatter);
        };
        EventDecoder decoder = new EventDecoder(new DecodeContext(plan, AttachPlan.int32Returns(plan.planned()),
                new DropReasons(Map.of(), Map.of()), KernelSymbols.parse(""), id -> new long[0],
                NetworkNamespaces.madeUp()));

        long[] events = {0};
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        RingBuffer.withScratchView(ConsumerWarmUp.size(plan, SKBS), records -> {
            int count = ConsumerWarmUp.fill(records, plan, SKBS);
            long timestamp = start; // the kernel's clock too: numbers of the size nettrace prints
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < count; i++) {
                    int at = i * ConsumerWarmUp.STRIDE;
                    records.putLong(at + EventLayout.TS, timestamp);
                    timestamp += EVENT_GAP_NANOS;
                    sink.accept(decoder.decode(records, at, EventSizes.NT_EVENT_PLAIN_SIZE));
                    if ((i & 4095) == 4095) {
                        sink.idle(System.nanoTime());
                    }
                }
                sink.idle(System.nanoTime());
                events[0] += count;
            }
        });
        sink.finish();
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("events_per_second %d%n", (long) (events[0] / elapsed));
        System.out.printf("peak_rss_mb %d%n", peakRssMegabytes());
        System.out.printf("heap_max_mb %d%n", Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("gc_count %d%n", ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(bean -> Math.max(0, bean.getCollectionCount())).sum());
    }

    private static AttachPlan plan() {
        return Events.plan(HOOKS.stream().map(hook -> Events.tracer(hook, "bench",
                hook.equals("consume_skb") ? Analyzer.FREE : Analyzer.DEFAULT)).toArray(Tracer[]::new));
    }

    private static long peakRssMegabytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
