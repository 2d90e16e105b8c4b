package nettrace.bench;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import nettrace.event.EventDecoder;
import nettrace.event.EventLayout;
import nettrace.event.EventSink;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.output.BasicOutput;
import nettrace.output.Console;
import nettrace.output.EventFormatter;
import nettrace.output.LatencyView;
import nettrace.output.LifePrinter;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Mechanism;
import nettrace.tracer.Tracer;

/**
 * How many events per second nettrace's consuming side handles: ring-buffer records laid out
 * as the BPF side writes them (packets passing six hooks, then freed), decoded, grouped (or
 * not) and printed to /dev/null with the real classes. No kernel is involved, so the figure is
 * the consumer's capacity, whatever rate this machine can make packets at. bench/run runs it:
 *   java -cp target/nettrace.jar:target/test-classes nettrace.bench.ConsumerBenchmark MODE SECONDS
 * MODE: basic or lifecycle. Prints "events_per_second N" and "peak_rss_mb N".
 */
public final class ConsumerBenchmark {
    private static final List<String> HOOKS = List.of("net_dev_queue", "net_dev_start_xmit", "netif_rx",
            "net_dev_xmit", "netif_receive_skb", "consume_skb");
    private static final int SKBS = 4096;

    private ConsumerBenchmark() {
    }

    public static void main(String[] arguments) throws Exception {
        String mode = arguments.length > 0 ? arguments[0] : "basic";
        double seconds = arguments.length > 1 ? Double.parseDouble(arguments[1]) : 10;
        AttachPlan plan = plan();
        ByteBuffer ring = records();
        int records = SKBS * HOOKS.size();
        Console console = new Console(new FileOutputStream("/dev/null"), new PrintStream(System.err));
        EventFormatter formatter = new EventFormatter(plan, new DropReasons(Map.of(), Map.of()),
                () -> KernelSymbols.parse(""), false, false, false);
        EventSink sink = mode.equals("lifecycle")
                ? new LifecycleTracker(new LifePrinter(console, formatter, false, new LatencyView(false, false, 0)), 0)
                : new BasicOutput(console, formatter);
        EventDecoder decoder = new EventDecoder(false);

        long events = 0;
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long timestampBase = 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < records; i++) {
                int at = i * EventLayout.SIZE;
                ring.putLong(at + EventLayout.TS, timestampBase + i); // time moves on, lives do not repeat
                sink.accept(decoder.decode(ring, at, EventLayout.SIZE));
            }
            timestampBase += records;
            events += records;
            sink.idle(System.nanoTime());
        }
        sink.finish();
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("events_per_second %d%n", (long) (events / elapsed));
        System.out.printf("peak_rss_mb %d%n", peakRssMegabytes());
        System.out.printf("heap_max_mb %d%n", Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("gc_count %d%n", ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(bean -> Math.max(0, bean.getCollectionCount())).sum());
    }

    private static AttachPlan plan() {
        List<AttachPlan.Planned> planned = new ArrayList<>();
        for (String hook : HOOKS) {
            Analyzer analyzer = hook.equals("consume_skb") ? Analyzer.FREE : Analyzer.DEFAULT;
            Tracer tracer = new Tracer(hook, "bench", List.of(), -1, false, Optional.of("x:" + hook),
                    Optional.empty(), analyzer, List.of(), true, List.of());
            planned.add(new AttachPlan.Planned(tracer, planned.size(), Mechanism.TRACEPOINT, hook, 1,
                    Optional.empty(), 0, false));
        }
        return new AttachPlan(planned, List.of());
    }

    /** SKBS UDP packets, each seen by every hook in turn, the last one freeing it. */
    private static ByteBuffer records() {
        ByteBuffer ring = ByteBuffer.allocateDirect(SKBS * HOOKS.size() * EventLayout.SIZE)
                .order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        for (int skb = 0; skb < SKBS; skb++) {
            for (int hook = 0; hook < HOOKS.size(); hook++) {
                int flags = hook == 0 ? SkbEvent.LIFE_NEW : hook == HOOKS.size() - 1 ? SkbEvent.LIFE_END : 0;
                ring.putLong(at + EventLayout.SKB, 0xffff888100000000L + skb * 256L);
                ring.putInt(at + EventLayout.TRACER, hook);
                ring.putShort(at + EventLayout.FLAGS, (short) flags);
                ring.putInt(at + EventLayout.STACK_ID, -1);
                int packet = at + EventLayout.PKT;
                ring.put(packet + EventLayout.PKT_SADDR, new byte[] {(byte) 198, 18, 0, 1});
                ring.put(packet + EventLayout.PKT_DADDR, new byte[] {(byte) 198, 18, 0, 2});
                ring.putShort(packet + EventLayout.PKT_L3_PROTO, (short) Packet.ETH_P_IP);
                ring.put(packet + EventLayout.PKT_L4_PROTO, (byte) Packet.IPPROTO_UDP);
                ring.putShort(packet + EventLayout.PKT_SPORT, (short) (40000 + skb % 1000));
                ring.putShort(packet + EventLayout.PKT_DPORT, (short) 9000);
                ring.putShort(packet + EventLayout.PKT_IP_LEN, (short) 92);
                at += EventLayout.SIZE;
            }
        }
        return ring;
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
