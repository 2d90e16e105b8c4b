package nettrace.monitor.labels;

import java.util.List;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.monitor.probe.DropCount;
import nettrace.monitor.probe.Flow;

/**
 * The labels of a drop counter, from a kernel key: the reason's name from the running kernel's
 * BTF, the location as a function name (no offset), the namespace's name, the interface, the
 * protocol, and the netfilter hook, table and chain where a verdict dropped the packet.
 */
public final class DropLabels {
    public static final List<String> NAMES = List.of("reason", "location", "netns", "interface", "protocol", "hook",
            "table", "chain");
    public static final List<String> OTHER = List.of("other", "other", "other", "other", "other", "", "", "");
    /** The labels that make a drop class, whose first sight or fast rise starts a capture. */
    public static final int CLASS_LABELS = 3;

    private final DropReasons reasons;
    /** kallsyms is read again when a location is not in it (a module loaded since), at most this often */
    private static final long SYMBOLS_REFRESH_MILLIS = 60_000;

    private final Supplier<KernelSymbols> readSymbols;
    private KernelSymbols symbols;
    private long symbolsReadAt;
    private final LongFunction<String> namespaces;

    public DropLabels(DropReasons reasons, KernelSymbols symbols, Supplier<KernelSymbols> readSymbols,
            NamespaceNames namespaces) {
        this.reasons = reasons;
        this.symbols = symbols;
        this.readSymbols = readSymbols;
        this.symbolsReadAt = System.currentTimeMillis();
        this.namespaces = namespaces::label;
    }

    public synchronized List<String> of(DropCount.Key drop) {
        return List.of(reasons.known() ? reasons.name(drop.reason()) : "unknown", location(drop.location()),
                namespaces.apply(drop.netns()), drop.interfaceName(),
                Flow.protocolName(drop.etherType(), drop.ipProtocol()),
                NetfilterNames.hook(drop.netfilter()), drop.netfilter().table(),
                NetfilterNames.chain(drop.netfilter()));
    }

    private String location(long address) {
        java.util.Optional<String> function = symbols.functionAt(address);
        if (function.isEmpty() && System.currentTimeMillis() - symbolsReadAt > SYMBOLS_REFRESH_MILLIS) {
            symbols = readSymbols.get();
            symbolsReadAt = System.currentTimeMillis();
            function = symbols.functionAt(address);
        }
        return function.map(KernelSymbols::plainName).orElse("unknown");
    }
}
