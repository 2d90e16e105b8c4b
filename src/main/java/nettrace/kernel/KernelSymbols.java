package nettrace.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import nettrace.NettraceException;

/**
 * The kernel's text symbols from /proc/kallsyms: which functions exist (also as compiler
 * clones such as name.isra.0) and which function an address falls in.
 */
public final class KernelSymbols {
    public static final Path KALLSYMS = Path.of("/proc/kallsyms");
    /** No kernel function is this long: a larger distance to the nearest symbol means none covers it. */
    private static final long LONGEST_FUNCTION = 1 << 20;

    private final long[] addresses;
    private final String[] names;
    /** plain name -> the names present for it: itself and/or clones like name.constprop.0 */
    private final Map<String, List<String>> variants;
    /** symbol -> the module it belongs to, for symbols of modules only */
    private final Map<String, String> modules;

    private KernelSymbols(long[] addresses, String[] names, Map<String, List<String>> variants,
            Map<String, String> modules) {
        this.addresses = addresses;
        this.names = names;
        this.variants = variants;
        this.modules = modules;
    }

    public static KernelSymbols read() {
        try {
            return parse(Files.readString(KALLSYMS, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new NettraceException("cannot read " + KALLSYMS + ": " + e.getMessage());
        }
    }

    /** Parses kallsyms text: "ffffffff81000000 T name [module]" per line; keeps text symbols. */
    public static KernelSymbols parse(String text) {
        int capacity = 1 << 16;
        long[] addresses = new long[capacity];
        String[] names = new String[capacity];
        int count = 0;
        Map<String, List<String>> variants = new HashMap<>();
        Map<String, String> modules = new HashMap<>();
        int lineStart = 0;
        int length = text.length();
        while (lineStart < length) {
            int lineEnd = text.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = length;
            }
            int firstSpace = text.indexOf(' ', lineStart);
            if (firstSpace > lineStart && firstSpace + 3 < lineEnd) {
                char type = text.charAt(firstSpace + 1);
                if (type == 't' || type == 'T') {
                    int nameStart = firstSpace + 3;
                    int nameEnd = nameStart;
                    while (nameEnd < lineEnd && text.charAt(nameEnd) != ' ' && text.charAt(nameEnd) != '\t') {
                        nameEnd++;
                    }
                    String name = text.substring(nameStart, nameEnd);
                    int module = text.indexOf('[', nameEnd, lineEnd);
                    if (module >= 0 && module < lineEnd) {
                        modules.put(name, text.substring(module + 1, text.indexOf(']', module)));
                    }
                    if (count == addresses.length) {
                        addresses = Arrays.copyOf(addresses, count * 2);
                        names = Arrays.copyOf(names, count * 2);
                    }
                    addresses[count] = Long.parseUnsignedLong(text, lineStart, firstSpace, 16);
                    names[count] = name;
                    count++;
                    String plain = plainName(name);
                    List<String> known = variants.get(plain);
                    if (known == null) {
                        variants.put(plain, List.of(name));
                    } else if (!known.contains(name)) {
                        String[] grown = known.toArray(new String[known.size() + 1]);
                        grown[known.size()] = name;
                        variants.put(plain, List.of(grown));
                    }
                }
            }
            lineStart = lineEnd + 1;
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        long[] unsortedAddresses = addresses;
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(unsortedAddresses[a], unsortedAddresses[b]));
        long[] sortedAddresses = new long[count];
        String[] sortedNames = new String[count];
        for (int i = 0; i < count; i++) {
            sortedAddresses[i] = addresses[order[i]];
            sortedNames[i] = names[order[i]];
        }
        return new KernelSymbols(sortedAddresses, sortedNames, variants, modules);
    }

    /** "ip_rcv_core.isra.0" -> "ip_rcv_core": the name before the first compiler suffix. */
    public static String plainName(String symbol) {
        int dot = symbol.indexOf('.');
        return dot > 0 ? symbol.substring(0, dot) : symbol;
    }

    /** True when there is a symbol by exactly this name. */
    public boolean exists(String function) {
        List<String> known = variants.get(plainName(function));
        return known != null && known.contains(function);
    }

    /** The symbol to attach to for a function: itself, else its single compiler clone. */
    public Optional<String> resolve(String function) {
        List<String> known = variants.get(function);
        if (known == null) {
            return Optional.empty();
        }
        if (known.contains(function)) {
            return Optional.of(function);
        }
        return known.size() == 1 ? Optional.of(known.getFirst()) : Optional.empty();
    }

    /** The module a symbol belongs to; empty for the kernel's own (vmlinux) symbols. */
    public java.util.Optional<String> module(String symbol) {
        return java.util.Optional.ofNullable(modules.get(symbol));
    }

    /** Every symbol present for a function: itself and its clones. */
    public List<String> variants(String function) {
        return variants.getOrDefault(function, List.of());
    }

    /** "nf_hook_slow+0x96", or the bare address when no symbol covers it. */
    public String describe(long address) {
        int index = indexOf(address);
        if (index < 0) {
            return "0x" + Long.toHexString(address);
        }
        return names[index] + "+0x" + Long.toHexString(address - addresses[index]);
    }

    /** The function containing address, if any. */
    public Optional<String> functionAt(long address) {
        int index = indexOf(address);
        return index < 0 ? Optional.empty() : Optional.of(names[index]);
    }

    private int indexOf(long address) {
        int low = 0;
        int high = addresses.length - 1;
        int found = -1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (Long.compareUnsigned(addresses[middle], address) <= 0) {
                found = middle;
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        if (found < 0 || addresses[found] == 0 || address - addresses[found] >= LONGEST_FUNCTION) {
            return -1;
        }
        return found;
    }

    public int size() {
        return addresses.length;
    }
}
