package nettrace.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimeTextTest {
    private static String text(long timestamp) {
        StringBuilder line = new StringBuilder();
        new TimeText(false, 0).append(line, timestamp);
        return line.toString();
    }

    @Test
    void microsecondsAlwaysTakeSixDigits() {
        assertThat(text(1_500_000_000_000L)).isEqualTo("1500.000000");
        assertThat(text(1_500_000_007_999L)).isEqualTo("1500.000007");
        assertThat(text(1_500_000_123_000L)).isEqualTo("1500.000123");
        assertThat(text(1_500_100_000_000L)).isEqualTo("1500.100000");
        assertThat(text(1_500_999_999_999L)).isEqualTo("1500.999999");
    }

    @Test
    void theDateShowsTheSameMicroseconds() {
        StringBuilder line = new StringBuilder();
        new TimeText(true, 1_000_000_000_000_000_000L).append(line, 42_000L);
        assertThat(line.toString()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.000042");
    }
}
