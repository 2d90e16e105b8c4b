package nettrace.monitor.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.function.Consumer;
import nettrace.NettraceException;
import nettrace.kernel.KernelFeatures;
import nettrace.libbpf.BpfException;
import nettrace.libbpf.BpfLink;
import nettrace.libbpf.BpfMap;
import nettrace.libbpf.BpfObject;
import nettrace.libbpf.BpfProgram;
import nettrace.libbpf.Errno;
import nettrace.libbpf.LibbpfLog;
import nettrace.libbpf.MapEntries;
import nettrace.trace.Nettrace;
import nettrace.tracer.Mechanism;

/**
 * The monitor's BPF object, loaded with its filter and attached by its plan; reads the counters.
 * Closing detaches everything.
 */
public final class MonitorProbes implements CounterSource, AutoCloseable {
    public static final String OBJECT_RESOURCE = "/bpf/monitor.bpf.o";

    /** What the monitor needs from its BPF side. */
    public record Settings(List<MonitorLayout.Pattern> patterns, long consumedReason, long netfilterDropReason,
            MonitorLayout.FragListFrees fragListFrees, int dropKeys) {
    }

    private final BpfObject object;
    private final List<BpfLink> links = new ArrayList<>();
    private final List<MonitorPlan.Attachment> attached = new ArrayList<>();
    private final List<MonitorPlan.Unavailable> unavailable = new ArrayList<>();
    private boolean closed;

    private MonitorProbes(BpfObject object) {
        this.object = object;
    }

    /**
     * Loads the object and attaches what plan says. An fentry program the kernel refuses (to load or
     * to attach) moves its function to a kprobe; what still cannot attach is listed, not fatal,
     * except kfree_skb, without which there is nothing to monitor.
     */
    public static MonitorProbes attach(MonitorPlan plan, Settings settings, KernelFeatures features,
            Consumer<String> verbose) {
        // through nettrace's callback, libbpf's messages tell which program a failed load was about
        LibbpfLog.install(LibbpfLog.Level.WARN, (level, line) -> verbose.accept(line));
        byte[] elf = objectBytes();
        Optional<Path> kernelBtfOnly = Optional.empty();
        while (true) {
            MonitorProbes probes = new MonitorProbes(BpfObject.open("nettrace_monitor", elf, kernelBtfOnly));
            try {
                BpfObject object = probes.object;
                object.readOnlyData().setInitialValue(MonitorLayout.encodeConfig(settings.patterns(),
                        settings.consumedReason(), settings.netfilterDropReason(), settings.fragListFrees()));
                object.map("drops").setMaxEntries(settings.dropKeys());
                List<String> wanted = plan.programs();
                for (BpfProgram program : object.programs()) {
                    program.setAutoload(wanted.contains(program.name()));
                }
                Optional<MonitorPlan.Attachment> unresolved = probes.setTargets(plan, verbose);
                if (unresolved.isPresent()) {
                    plan = plan.withKprobeFor(unresolved.get(), features);
                    probes.close();
                    continue;
                }
                try {
                    object.load();
                } catch (BpfException e) {
                    MonitorPlan.Attachment refused = fentryOf(plan, e.program());
                    if (refused != null) {
                        verbose.accept("the kernel refuses " + refused.program() + " (" + e.getMessage() + ")");
                        plan = plan.withKprobeFor(refused, features);
                    } else if (kernelBtfOnly.isEmpty() && e.errno() == Errno.EPERM && !e.program().isEmpty()) {
                        // a type the kernel's own BTF lacks is looked for in the modules' BTF, which
                        // libbpf reads only with CAP_SYS_ADMIN, and libbpf 1.1 then fails the load: nf_tables'
                        // types, or on 6.1 enum sk_rst_reason. With the kernel's BTF alone the netfilter
                        // programs cannot be relocated, and the others' optional types count as absent.
                        verbose.accept("cannot relocate " + e.program() + " (" + e.getMessage() + ")");
                        plan = plan.withoutNetfilter("netfilter's types cannot be relocated (" + e.getMessage()
                                + "; module BTF takes CAP_SYS_ADMIN): drops carry no hook, table and chain labels");
                        kernelBtfOnly = Optional.of(Nettrace.KERNEL_BTF);
                    } else {
                        throw e;
                    }
                    probes.close();
                    continue;
                }
                probes.unavailable.addAll(plan.unavailable());
                Optional<MonitorPlan.Attachment> refused = probes.attachAll(plan, features, verbose);
                if (refused.isPresent()) {
                    plan = plan.withKprobeFor(refused.get(), features);
                    probes.close();
                    continue;
                }
                if (probes.attached.stream().noneMatch(a -> a.probe().equals("skb:kfree_skb"))) {
                    throw new NettraceException("cannot attach to skb:kfree_skb: " + probes.unavailable.stream()
                            .filter(u -> u.probe().equals("skb:kfree_skb")).map(MonitorPlan.Unavailable::reason)
                            .findFirst().orElse("not in this kernel"));
                }
                return probes;
            } catch (RuntimeException e) {
                probes.close();
                throw e;
            }
        }
    }

    /**
     * Points each fentry program at its function. libbpf finds a module's function (nf_tables)
     * only by going through the kernel's BTF objects, which takes CAP_SYS_ADMIN: without it, the
     * function is returned, to go to a kprobe.
     */
    private Optional<MonitorPlan.Attachment> setTargets(MonitorPlan plan, Consumer<String> verbose) {
        for (MonitorPlan.Attachment attachment : plan.attachments()) {
            if (attachment.mechanism() != Mechanism.FENTRY) {
                continue;
            }
            try {
                object.program(attachment.program()).setAttachTarget(attachment.target());
            } catch (BpfException e) {
                verbose.accept("fentry cannot find " + attachment.target() + " (" + e.getMessage() + ")");
                return Optional.of(attachment);
            }
        }
        return Optional.empty();
    }

    private static MonitorPlan.Attachment fentryOf(MonitorPlan plan, String program) {
        return plan.attachments().stream()
                .filter(a -> a.mechanism() == Mechanism.FENTRY && a.program().equals(program)).findFirst()
                .orElse(null);
    }

    /**
     * Attaches every planned program; returns an fentry attachment the kernel refused where kprobes
     * could take over (the object is then loaded again with its kprobe), else empty.
     */
    private Optional<MonitorPlan.Attachment> attachAll(MonitorPlan plan, KernelFeatures features,
            Consumer<String> verbose) {
        for (MonitorPlan.Attachment attachment : plan.attachments()) {
            try {
                attachOne(attachment);
                attached.add(attachment);
            } catch (BpfException e) {
                verbose.accept("cannot attach " + attachment.probe() + " by " + attachment.mechanism().label()
                        + ": " + e.getMessage());
                if (attachment.mechanism() == Mechanism.FENTRY && features.kprobe()) {
                    return Optional.of(attachment);
                }
                unavailable.add(new MonitorPlan.Unavailable(attachment.probe(), attachment.mechanism().label()
                        + " refused: " + e.getMessage()));
            }
        }
        return Optional.empty();
    }

    private void attachOne(MonitorPlan.Attachment attachment) {
        BpfProgram program = object.program(attachment.program());
        if (attachment.mechanism() == Mechanism.KPROBE) {
            links.add(program.attachKprobe(attachment.target(), false, 0));
        } else {
            links.add(program.attach());
        }
    }

    private static byte[] objectBytes() {
        try (InputStream in = MonitorProbes.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new NettraceException("the BPF object " + OBJECT_RESOURCE + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new NettraceException("cannot read the BPF object: " + e.getMessage());
        }
    }

    public List<MonitorPlan.Attachment> attached() {
        return List.copyOf(attached);
    }

    public List<MonitorPlan.Unavailable> unavailable() {
        return List.copyOf(unavailable);
    }

    /** Everything counted so far. Safe to call from any thread; each call reads the maps afresh. */
    @Override
    public synchronized KernelCounters read() {
        return readExcept(netns -> false, false);
    }

    /**
     * Deletes the kernel's counters of these namespaces (gone for good: their keys would only take
     * room), and returns what they had counted.
     */
    @Override
    public synchronized KernelCounters forget(Set<Long> namespaces) {
        return readExcept(namespaces::contains, true);
    }

    /** Reads every key (or, with forgetting, only those of namespaces taken, deleting them). */
    private KernelCounters readExcept(LongPredicate taken, boolean forgetting) {
        if (closed) {
            throw new IllegalStateException("the monitor's BPF object is closed");
        }
        List<DropCount> dropCounts = new ArrayList<>();
        BpfMap dropMap = object.map("drops");
        MapEntries drops = dropMap.entries();
        for (int i = 0; i < drops.count(); i++) {
            DropCount drop = CounterDecoding.drop(drops, i);
            if (taken.test(drop.key().netns()) == forgetting) {
                dropCounts.add(drop);
                if (forgetting) {
                    dropMap.delete(drops.keyBytes(i));
                }
            }
        }
        List<TcpCount> tcpCounts = new ArrayList<>();
        BpfMap tcpMap = object.map("tcp_events");
        MapEntries tcp = tcpMap.entries();
        for (int i = 0; i < tcp.count(); i++) {
            Optional<TcpCount> count = CounterDecoding.tcp(tcp, i);
            if (count.isPresent() && taken.test(count.get().netns()) == forgetting) {
                tcpCounts.add(count.get());
                if (forgetting) {
                    tcpMap.delete(tcp.keyBytes(i));
                }
            }
        }
        List<RttCount> rttCounts = new ArrayList<>();
        BpfMap rttMap = object.map("rtt_samples");
        MapEntries rtt = rttMap.entries();
        for (int i = 0; i < rtt.count(); i++) {
            RttCount count = CounterDecoding.rtt(rtt, i);
            if (taken.test(count.netns()) == forgetting) {
                rttCounts.add(count);
                if (forgetting) {
                    rttMap.delete(rtt.keyBytes(i));
                }
            }
        }
        if (forgetting) {
            int programs = MonitorLayout.PROGRAMS.size();
            return new KernelCounters(dropCounts, 0, 0, tcpCounts, rttCounts, 0, new long[programs],
                    new long[programs]);
        }
        MapEntries runTime = object.map("run_time").entries();
        long[] runs = new long[MonitorLayout.PROGRAMS.size()];
        long[] nanos = new long[runs.length];
        for (int i = 0; i < runTime.count(); i++) {
            int program = runTime.key(i).getInt(0);
            if (program < runs.length) {
                runs[program] = runTime.sum(i, MonitorLayout.RUN_RUNS);
                nanos[program] = runTime.sum(i, MonitorLayout.RUN_NS);
            }
        }
        MapEntries unkeyed = object.map("drops_unkeyed").entries();
        return new KernelCounters(dropCounts, sumAll(unkeyed, MonitorLayout.DROP_PACKETS),
                sumAll(unkeyed, MonitorLayout.DROP_BYTES), tcpCounts, rttCounts,
                sumAll(object.map("tcp_unkeyed").entries(), 0), runs, nanos);
    }

    private static long sumAll(MapEntries entries, int offset) {
        long total = 0;
        for (int i = 0; i < entries.count(); i++) {
            total += entries.sum(i, offset);
        }
        return total;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (BpfLink link : links) {
            link.close();
        }
        links.clear();
        object.close();
    }
}
