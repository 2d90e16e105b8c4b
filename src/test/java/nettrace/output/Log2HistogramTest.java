package nettrace.output;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Log2HistogramTest {
    @Test
    void bucketsArePowersOfTwo() {
        assertThat(Log2Histogram.bucket(0)).isZero();
        assertThat(Log2Histogram.bucket(1)).isZero();
        assertThat(Log2Histogram.bucket(2)).isEqualTo(1);
        assertThat(Log2Histogram.bucket(3)).isEqualTo(1);
        assertThat(Log2Histogram.bucket(1024)).isEqualTo(10);
        assertThat(Log2Histogram.bucket(2047)).isEqualTo(10);
    }

    @Test
    void showsTheBucketsBetweenTheFirstAndLastUsedWithBarsToScale() {
        long[] counts = new long[32];
        counts[5] = 10;
        counts[7] = 40;
        assertThat(Log2Histogram.lines("usecs", counts)).containsExactly(
                "               usecs : count    distribution",
                "        32 -> 63       : 10       |**********                              |",
                "        64 -> 127      : 0        |                                        |",
                "       128 -> 255      : 40       |****************************************|");
    }

    @Test
    void anEmptyHistogramIsItsHeader() {
        assertThat(Log2Histogram.lines("usecs", new long[8])).hasSize(1);
    }
}
