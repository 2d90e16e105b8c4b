package nettrace.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The running kernel's BTF: vmlinux, and each loaded module's split BTF
 * (/sys/kernel/btf/MODULE), read the first time a function of that module is asked about.
 */
public final class KernelBtf {
    private static final Path MODULES = Path.of("/sys/kernel/btf");

    private final Btf vmlinux;
    private final boolean modulesAvailable;
    private final Map<String, Optional<Btf>> modules = new HashMap<>();

    /** A function's BTF description: the BTF holding it, its id there, and its module if any. */
    public record Function(Btf btf, int id, Optional<String> module) {
    }

    /** @param modulesAvailable false when vmlinux BTF came from --btf-path (modules' BTF would not match) */
    public KernelBtf(Btf vmlinux, boolean modulesAvailable) {
        this.vmlinux = vmlinux;
        this.modulesAvailable = modulesAvailable;
    }

    public Btf vmlinux() {
        return vmlinux;
    }

    /** Where BTF describes the kernel function `symbol` (looked up in its module when kallsyms names one). */
    public Optional<Function> function(String symbol, KernelSymbols symbols) {
        Optional<Integer> id = vmlinux.find(symbol, Btf.Kind.FUNC);
        if (id.isPresent()) {
            return Optional.of(new Function(vmlinux, id.get(), Optional.empty()));
        }
        Optional<String> module = symbols.module(symbol);
        if (module.isEmpty() || !modulesAvailable) {
            return Optional.empty();
        }
        return module(module.get()).flatMap(btf -> btf.find(symbol, Btf.Kind.FUNC)
                .map(found -> new Function(btf, found, module)));
    }

    private Optional<Btf> module(String name) {
        return modules.computeIfAbsent(name, key -> {
            Path file = MODULES.resolve(key);
            if (!Files.isReadable(file)) {
                return Optional.empty();
            }
            try {
                return Optional.of(Btf.parseSplit(Btf.bytesOf(file), vmlinux));
            } catch (java.io.IOException | RuntimeException e) {
                return Optional.empty();
            }
        });
    }
}
