package nettrace.trace;

import com.carrotsearch.hppc.LongObjectHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import nettrace.event.EventContext;
import nettrace.event.Location;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.kernel.NetworkNamespaces;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Tracer;

/**
 * What a live run knows when it decodes a record: the attach plan, this kernel's reason names
 * and symbols, the recorded stacks, the network namespaces. Names are looked up once and kept.
 */
public final class DecodeContext implements EventContext {
    private static final List<String> TRACING_FRAMES = List.of("bpf_prog_", "bpf_trace_run", "__traceiter_",
            "__bpf_trace_", "bpf_trampoline_", "kprobe_ftrace_handler", "fprobe_", "ftrace_", "arch_ftrace_",
            "kprobe_", "kretprobe_", "rethook_", "__kretprobe_");

    private final Tracer[] tracers;
    private final boolean[] int32Returns;
    private final DropReasons reasons;
    private final KernelSymbols symbols;
    private final IntFunction<long[]> stacks;
    private final NetworkNamespaces namespaces;
    private final LongObjectHashMap<Location> locations = new LongObjectHashMap<>();
    private final LongObjectHashMap<String> interfaceNames = new LongObjectHashMap<>();
    // the last answers, asked again by most events: no boxing, no hashing for them
    private long lastInode = -1;
    private Namespace lastNamespace;
    private long previousInode = -1;
    private Namespace previousNamespace;
    private long lastLocationAddress;
    private Location lastLocation;
    private long lastInterfaceKey = -1;
    private String lastInterfaceName = "";

    /**
     * @param int32Returns per tracer id: its return value is 32-bit signed
     * @param stacks       the frames of a recorded stack by its id (read once: the map forgets it)
     */
    public DecodeContext(AttachPlan plan, boolean[] int32Returns, DropReasons reasons, KernelSymbols symbols,
            IntFunction<long[]> stacks, NetworkNamespaces namespaces) {
        this.tracers = new Tracer[plan.planned().stream().mapToInt(AttachPlan.Planned::id).max().orElse(-1) + 1];
        plan.planned().forEach(planned -> tracers[planned.id()] = planned.tracer());
        this.int32Returns = int32Returns.clone();
        this.reasons = reasons;
        this.symbols = symbols;
        this.stacks = stacks;
        this.namespaces = namespaces;
    }

    @Override
    public Tracer tracer(int id) {
        if (id < 0 || id >= tracers.length || tracers[id] == null) {
            throw new IllegalStateException("event of tracer " + id + ", which is not in the plan");
        }
        return tracers[id];
    }

    @Override
    public boolean int32Return(int id) {
        return id >= 0 && id < int32Returns.length && int32Returns[id];
    }

    @Override
    public String dropReason(long reason) {
        return reasons.name(reason);
    }

    @Override
    public String resetReason(long reason) {
        return reasons.resetReason(reason);
    }

    @Override
    public Location location(long address) {
        if (address == lastLocationAddress && lastLocation != null) {
            return lastLocation;
        }
        Location known = locations.get(address);
        if (known == null) {
            known = new Location(symbols.functionAt(address).orElse(""), symbols.offsetInFunction(address), address);
            locations.put(address, known);
        }
        lastLocationAddress = address;
        lastLocation = known;
        return known;
    }

    @Override
    public List<String> stack(int stackId) {
        List<String> frames = new ArrayList<>();
        for (long frame : stacks.apply(stackId)) {
            String text = location(frame).text();
            if (frames.isEmpty() && (text.startsWith("0x") || TRACING_FRAMES.stream().anyMatch(text::startsWith))) {
                continue;
            }
            frames.add(text);
        }
        return List.copyOf(frames);
    }

    @Override
    public Namespace namespace(long inode) {
        if (inode == lastInode) {
            return lastNamespace;
        }
        // a flow through a veth pair alternates between two namespaces
        Namespace namespace = inode == previousInode ? previousNamespace : namespaces.of(inode);
        previousInode = lastInode;
        previousNamespace = lastNamespace;
        lastInode = inode;
        lastNamespace = namespace;
        return namespace;
    }

    @Override
    public String interfaceName(long netns, int ifindex, String sent) {
        long key = netns << 32 | Integer.toUnsignedLong(ifindex);
        if (sent.isEmpty()) {
            if (key != lastInterfaceKey) {
                lastInterfaceName = interfaceNames.getOrDefault(key, "");
                lastInterfaceKey = key;
            }
            return lastInterfaceName;
        }
        if (key != lastInterfaceKey || !sent.equals(lastInterfaceName)) {
            interfaceNames.put(key, sent);
            lastInterfaceKey = key;
            lastInterfaceName = sent;
        }
        return sent;
    }
}
