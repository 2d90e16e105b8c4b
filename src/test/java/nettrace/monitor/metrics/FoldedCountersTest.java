package nettrace.monitor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FoldedCountersTest {
    /** Keys "name/site": the label is the name, the site a second kernel key of the same labels. */
    private static FoldedCounters<String> counters(int max) {
        return new FoldedCounters<>(List.of("name"), List.of("other"), 1, max,
                key -> List.of(key.substring(0, key.indexOf('/'))));
    }

    private static long value(FoldedCounters<String> counters, String name) {
        return counters.series().stream().filter(series -> series.labelValues.equals(List.of(name)))
                .mapToLong(series -> series.counts[0]).findFirst().orElse(-1);
    }

    /** The series' names, in the order series() gives them. */
    private static List<String> names(FoldedCounters<String> counters) {
        return counters.series().stream().map(series -> series.labelValues.getFirst()).toList();
    }

    @Test
    void aRetiredKeysCountsStayInItsSeriesWhileAnotherKeyLives() {
        FoldedCounters<String> counters = counters(10);
        counters.begin();
        counters.add("web/a", 5);
        counters.add("web/b", 7);
        assertThat(value(counters, "web")).isEqualTo(12);
        counters.retire("web/a", 6);
        counters.begin();
        counters.add("web/b", 9);
        assertThat(value(counters, "web")).as("6 from the retired key, 9 from the live one").isEqualTo(15);
    }

    @Test
    void aSeriesWithoutKeysGoesAndFreesItsPlace() {
        FoldedCounters<String> counters = counters(1);
        counters.begin();
        counters.add("old/a", 3);
        counters.add("new/a", 4);
        assertThat(value(counters, "other")).as("beyond the limit of 1").isEqualTo(4);
        counters.retire("old/a", 3);
        counters.retire("new/a", 4);
        counters.begin();
        counters.add("new/b", 1);
        assertThat(value(counters, "old")).as("gone").isEqualTo(-1);
        assertThat(value(counters, "new")).as("admitted into the freed place").isEqualTo(1);
        assertThat(value(counters, "other")).as("other keeps what it counted").isEqualTo(4);
    }

    @Test
    void seriesComeInTheOrderOfTheirLabelsAsTheyComeAndGo() {
        FoldedCounters<String> counters = counters(3);
        counters.begin();
        counters.add("web/a", 1);
        counters.add("db/a", 1);
        counters.add("cache/a", 1);
        assertThat(names(counters)).containsExactly("cache", "db", "web");
        counters.add("auth/a", 1);
        assertThat(names(counters)).as("folded beyond the limit").containsExactly("cache", "db", "other", "web");
        counters.retire("db/a", 1);
        counters.begin();
        counters.add("api/a", 1);
        assertThat(names(counters)).containsExactly("api", "cache", "other", "web");
    }
}
