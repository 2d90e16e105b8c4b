package nettrace.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import nettrace.libbpf.Errno;
import nettrace.libbpf.ProgramProbe;

/**
 * Which attach mechanisms this kernel really allows, found once at start-up by trying them.
 * Each field is empty when the mechanism works, else says why it does not.
 */
public record KernelFeatures(Optional<String> fentryUnavailable, Optional<String> kprobeUnavailable,
        Optional<String> kprobeMultiUnavailable) {

    /** Functions present in every kernel nettrace supports, used as probe targets. */
    private static final List<String> PROBE_TARGETS = List.of("ip_rcv", "netif_receive_skb", "kfree_skb_partial");

    /** One line per mechanism: "fentry/fexit: yes" or "kprobe: no (why)". */
    public java.util.List<String> describe() {
        return java.util.List.of(line("fentry/fexit", fentryUnavailable), line("kprobe/kretprobe", kprobeUnavailable),
                line("kprobe-multi", kprobeMultiUnavailable), "tracepoint: yes");
    }

    private static String line(String mechanism, Optional<String> unavailable) {
        return mechanism + ": " + unavailable.map(why -> "no (" + why + ")").orElse("yes");
    }

    public boolean fentry() {
        return fentryUnavailable.isEmpty();
    }

    public boolean kprobe() {
        return kprobeUnavailable.isEmpty();
    }

    public boolean kprobeMulti() {
        return kprobeMultiUnavailable.isEmpty();
    }

    public static KernelFeatures probe(Btf btf, KernelSymbols symbols) {
        Optional<String> kprobe = kprobeSupport();
        Optional<String> fentry = fentrySupport(btf);
        Optional<String> multi = kprobe.isPresent() ? Optional.of("kprobes are unavailable") : kprobeMultiSupport(symbols);
        return new KernelFeatures(fentry, kprobe, multi);
    }

    private static Optional<String> kprobeSupport() {
        if (Files.exists(Path.of("/sys/bus/event_source/devices/kprobe/type"))
                || Files.exists(Path.of("/sys/kernel/tracing/kprobe_events"))
                || Files.exists(Path.of("/sys/kernel/debug/tracing/kprobe_events"))) {
            return Optional.empty();
        }
        return Optional.of("the kernel has no kprobe support (CONFIG_KPROBES is off)");
    }

    private static Optional<String> fentrySupport(Btf btf) {
        for (String function : PROBE_TARGETS) {
            Optional<Integer> id = btf.find(function, Btf.Kind.FUNC);
            if (id.isPresent()) {
                return refusal("fentry", ProgramProbe.fentry(id.get()));
            }
        }
        return Optional.of("fentry: no probe target function in BTF");
    }

    private static Optional<String> kprobeMultiSupport(KernelSymbols symbols) {
        for (String function : PROBE_TARGETS) {
            if (symbols.exists(function)) {
                return refusal("kprobe-multi", ProgramProbe.kprobeMulti(function));
            }
        }
        return Optional.of("kprobe-multi: no probe target function");
    }

    private static Optional<String> refusal(String mechanism, OptionalInt errno) {
        if (errno.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("the kernel refuses " + mechanism + " programs (" + Errno.describe(errno.getAsInt()) + ")");
    }
}
