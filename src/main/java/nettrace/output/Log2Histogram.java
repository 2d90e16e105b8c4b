package nettrace.output;

import java.util.ArrayList;
import java.util.List;

/** A log2 histogram as text, one line per bucket from the first to the last that holds something. */
public final class Log2Histogram {
    private static final int BAR_WIDTH = 40;

    private Log2Histogram() {
    }

    /** The bucket of a value: 0 for 0 and 1, then floor(log2(value)). */
    public static int bucket(long value) {
        return value <= 1 ? 0 : 63 - Long.numberOfLeadingZeros(value);
    }

    /**
     * @param unit   what the values are ("usecs")
     * @param counts samples per bucket; bucket i holds values from 2^i to 2^(i+1)-1 (bucket 0: 0 and 1)
     */
    public static List<String> lines(String unit, long[] counts) {
        int first = -1;
        int last = -1;
        long most = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                first = first < 0 ? i : first;
                last = i;
                most = Math.max(most, counts[i]);
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%20s : %-8s %s", unit, "count", "distribution"));
        for (int i = Math.max(first, 0); i <= last; i++) {
            long low = i == 0 ? 0 : 1L << i;
            long high = (1L << (i + 1)) - 1;
            int stars = (int) (counts[i] * BAR_WIDTH / most);
            lines.add(String.format("%10d -> %-8d : %-8d |%-" + BAR_WIDTH + "s|", low, high, counts[i],
                    "*".repeat(stars)));
        }
        return lines;
    }
}
