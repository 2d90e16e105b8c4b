package nettrace.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import nettrace.NettraceException;

/**
 * The kernel's text symbols from /proc/kallsyms: which functions exist (also as compiler
 * clones such as name.isra.0) and which function an address falls in.
 *
 * <p>It is held for the whole trace (drop locations are named from it), so its 100,000-odd
 * names live in one byte array with offsets, not as objects the collector would walk.
 */
public final class KernelSymbols {
    public static final Path KALLSYMS = Path.of("/proc/kallsyms");
    /** No kernel function is this long: a larger distance to the nearest symbol means none covers it. */
    private static final long LONGEST_FUNCTION = 1 << 20;
    private static final int NONE = -1;

    /** Symbol i, in address order: its address, its name's bytes in names[nameStart[i], nameStart[i + 1]). */
    private final long[] addresses;
    private final byte[] names;
    private final int[] nameStart;
    /** index into moduleNames, or NONE for the kernel's own symbols */
    private final int[] moduleOf;
    private final String[] moduleNames;
    /** open-addressing table on the plain name (see plainName): the first symbol with it, or NONE */
    private final int[] byPlainName;
    /** the next symbol with the same plain name, or NONE */
    private final int[] nextSamePlainName;

    private KernelSymbols(Parser parsed) {
        int count = parsed.count;
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(parsed.addresses[a], parsed.addresses[b]));
        addresses = new long[count];
        nameStart = new int[count + 1];
        moduleOf = new int[count];
        names = new byte[parsed.nameLength];
        int at = 0;
        for (int i = 0; i < count; i++) {
            int from = order[i];
            addresses[i] = parsed.addresses[from];
            moduleOf[i] = parsed.moduleOf[from];
            int length = parsed.nameStart[from + 1] - parsed.nameStart[from];
            System.arraycopy(parsed.names, parsed.nameStart[from], names, at, length);
            nameStart[i] = at;
            at += length;
        }
        nameStart[count] = at;
        moduleNames = parsed.moduleNames.toArray(String[]::new);
        byPlainName = new int[Integer.highestOneBit(Math.max(count, 1) * 2) * 2];
        Arrays.fill(byPlainName, NONE);
        nextSamePlainName = new int[count];
        // backwards, so each chain lists its symbols in address order
        for (int i = count - 1; i >= 0; i--) {
            int slot = slotOf(names, nameStart[i], plainEnd(i));
            nextSamePlainName[i] = byPlainName[slot];
            byPlainName[slot] = i;
        }
    }

    public static KernelSymbols read() {
        try (InputStream in = Files.newInputStream(KALLSYMS)) {
            Parser parser = new Parser();
            byte[] buffer = new byte[1 << 16];
            int kept = 0;
            int read;
            while ((read = in.read(buffer, kept, buffer.length - kept)) > 0) {
                kept = parser.lines(buffer, kept + read);
            }
            parser.lines(buffer, kept, true);
            return new KernelSymbols(parser);
        } catch (IOException e) {
            throw new NettraceException("cannot read " + KALLSYMS + ": " + e.getMessage());
        }
    }

    /** Parses kallsyms text: "ffffffff81000000 T name [module]" per line; keeps text symbols. */
    public static KernelSymbols parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        Parser parser = new Parser();
        parser.lines(bytes, bytes.length, true);
        return new KernelSymbols(parser);
    }

    /** The text symbols of kallsyms lines, unsorted, gathered as they are read. */
    private static final class Parser {
        long[] addresses = new long[1 << 16];
        int[] nameStart = new int[(1 << 16) + 1];
        int[] moduleOf = new int[1 << 16];
        byte[] names = new byte[1 << 20];
        int nameLength;
        int count;
        final List<String> moduleNames = new ArrayList<>();

        /** Parses the whole lines in buffer[0, end); moves a partial last line to the front, returns its length. */
        int lines(byte[] buffer, int end) {
            return lines(buffer, end, false);
        }

        int lines(byte[] buffer, int end, boolean last) {
            int lineStart = 0;
            while (lineStart < end) {
                int lineEnd = indexOf(buffer, (byte) '\n', lineStart, end);
                if (lineEnd < 0) {
                    if (!last) {
                        System.arraycopy(buffer, lineStart, buffer, 0, end - lineStart);
                        return end - lineStart;
                    }
                    lineEnd = end;
                }
                line(buffer, lineStart, lineEnd);
                lineStart = lineEnd + 1;
            }
            return 0;
        }

        private void line(byte[] buffer, int start, int end) {
            int firstSpace = indexOf(buffer, (byte) ' ', start, end);
            if (firstSpace <= start || firstSpace + 3 >= end) {
                return;
            }
            byte type = buffer[firstSpace + 1];
            if (type != 't' && type != 'T') {
                return;
            }
            int nameFrom = firstSpace + 3;
            int nameTo = nameFrom;
            while (nameTo < end && buffer[nameTo] != ' ' && buffer[nameTo] != '\t') {
                nameTo++;
            }
            if (count == addresses.length) {
                addresses = Arrays.copyOf(addresses, count * 2);
                moduleOf = Arrays.copyOf(moduleOf, count * 2);
                nameStart = Arrays.copyOf(nameStart, count * 2 + 1);
            }
            int length = nameTo - nameFrom;
            if (nameLength + length > names.length) {
                names = Arrays.copyOf(names, Math.max(names.length * 2, nameLength + length));
            }
            System.arraycopy(buffer, nameFrom, names, nameLength, length);
            addresses[count] = hex(buffer, start, firstSpace);
            moduleOf[count] = module(buffer, nameTo, end);
            nameStart[count] = nameLength;
            nameLength += length;
            count++;
            nameStart[count] = nameLength;
        }

        private int module(byte[] buffer, int from, int end) {
            int open = indexOf(buffer, (byte) '[', from, end);
            if (open < 0) {
                return NONE;
            }
            int close = indexOf(buffer, (byte) ']', open, end);
            String module = new String(buffer, open + 1, (close < 0 ? end : close) - open - 1,
                    StandardCharsets.US_ASCII);
            // a module's symbols come together: the last one is nearly always the one
            int last = moduleNames.size() - 1;
            if (last >= 0 && moduleNames.get(last).equals(module)) {
                return last;
            }
            int known = moduleNames.indexOf(module);
            if (known >= 0) {
                return known;
            }
            moduleNames.add(module);
            return moduleNames.size() - 1;
        }

        private static long hex(byte[] buffer, int from, int to) {
            long value = 0;
            for (int i = from; i < to; i++) {
                value = value << 4 | Character.digit(buffer[i], 16);
            }
            return value;
        }
    }

    private static int indexOf(byte[] buffer, byte wanted, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** "ip_rcv_core.isra.0" -> "ip_rcv_core": the name before the first compiler suffix. */
    public static String plainName(String symbol) {
        int dot = symbol.indexOf('.');
        return dot > 0 ? symbol.substring(0, dot) : symbol;
    }

    private int plainEnd(int symbol) {
        int from = nameStart[symbol];
        int to = nameStart[symbol + 1];
        int dot = indexOf(names, (byte) '.', from + 1, to);
        return dot < 0 ? to : dot;
    }

    private int slotOf(byte[] bytes, int from, int to) {
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + bytes[i];
        }
        return (hash ^ hash >>> 16) & (byPlainName.length - 1);
    }

    private String name(int symbol) {
        return new String(names, nameStart[symbol], nameStart[symbol + 1] - nameStart[symbol],
                StandardCharsets.US_ASCII);
    }

    /** The symbols whose plain name is plain, in address order, each name once. */
    private List<String> withPlainName(String plain) {
        byte[] wanted = plain.getBytes(StandardCharsets.US_ASCII);
        List<String> found = new ArrayList<>(2);
        for (int i = byPlainName[slotOf(wanted, 0, wanted.length)]; i != NONE; i = nextSamePlainName[i]) {
            if (Arrays.equals(names, nameStart[i], plainEnd(i), wanted, 0, wanted.length)) {
                String name = name(i);
                if (!found.contains(name)) {
                    found.add(name);
                }
            }
        }
        return found;
    }

    /** The first symbol by exactly this name, or NONE. */
    private int indexOfName(String symbol) {
        byte[] wanted = symbol.getBytes(StandardCharsets.US_ASCII);
        String plain = plainName(symbol);
        int plainLength = plain.length();
        for (int i = byPlainName[slotOf(wanted, 0, plainLength)]; i != NONE; i = nextSamePlainName[i]) {
            if (Arrays.equals(names, nameStart[i], nameStart[i + 1], wanted, 0, wanted.length)) {
                return i;
            }
        }
        return NONE;
    }

    /** True when there is a symbol by exactly this name. */
    public boolean exists(String function) {
        return indexOfName(function) != NONE;
    }

    /** The symbol to attach to for a function: itself, else its single compiler clone. */
    public Optional<String> resolve(String function) {
        List<String> known = withPlainName(function);
        if (known.contains(function)) {
            return Optional.of(function);
        }
        return known.size() == 1 ? Optional.of(known.getFirst()) : Optional.empty();
    }

    /** The module a symbol belongs to; empty for the kernel's own (vmlinux) symbols. */
    public Optional<String> module(String symbol) {
        int index = indexOfName(symbol);
        return index == NONE || moduleOf[index] == NONE ? Optional.empty() : Optional.of(moduleNames[moduleOf[index]]);
    }

    /** Every symbol present for a function: itself and its clones. */
    public List<String> variants(String function) {
        return withPlainName(function);
    }

    /** Where a function's code lies: from its address up to the next symbol's. */
    public record Span(long start, long end) {
        public boolean contains(long address) {
            return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
        }
    }

    /** The span of the function by exactly this name (its first, if several), when there is one. */
    public Optional<Span> span(String function) {
        int index = indexOfName(function);
        if (index == NONE) {
            return Optional.empty();
        }
        int next = index + 1;
        while (next < addresses.length && addresses[next] == addresses[index]) {
            next++;
        }
        long end = next < addresses.length ? addresses[next] : addresses[index] + LONGEST_FUNCTION;
        return Optional.of(new Span(addresses[index], end));
    }

    /** "nf_hook_slow+0x96", or the bare address when no symbol covers it. */
    public String describe(long address) {
        int index = indexOf(address);
        if (index < 0) {
            return "0x" + Long.toHexString(address);
        }
        return name(index) + "+0x" + Long.toHexString(address - addresses[index]);
    }

    /** The function containing address, if any. */
    public Optional<String> functionAt(long address) {
        int index = indexOf(address);
        return index < 0 ? Optional.empty() : Optional.of(name(index));
    }

    /** How far into its function the address is, 0 when no symbol covers it. */
    public long offsetInFunction(long address) {
        int index = indexOf(address);
        return index < 0 ? 0 : address - addresses[index];
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
