package nettrace.monitor.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The kernel's counters summed into labelled series. Several kernel keys may share a label set
 * (two call sites of one function); a key's labels are worked out once, at its first sight.
 * Beyond the series limit, new label sets add to the "other" series.
 *
 * @param <K> the kernel key, as a value with equals and hashCode
 */
final class FoldedCounters<K> {
    /** One labelled series: its counters as of the latest reading. */
    static final class Series {
        final List<String> labelValues;
        final Labels labels;
        final long[] counts;
        /** What kernel keys deleted since (their namespace gone) had counted: a counter never goes back. */
        private final long[] retired;
        /** The data point last made of each counter, kept while the counter does not move. */
        private final CounterSnapshot.CounterDataPointSnapshot[] points;
        private int keys;

        Series(List<String> names, List<String> labelValues, int counters) {
            this.labelValues = labelValues;
            this.labels = withValues(names, labelValues);
            this.counts = new long[counters];
            this.retired = new long[counters];
            this.points = new CounterSnapshot.CounterDataPointSnapshot[counters];
        }

        /**
         * Counter i as a data point. Most series of a large scrape did not move since the last one;
         * theirs are the same objects again, not 20,000 new ones each scrape.
         */
        CounterSnapshot.CounterDataPointSnapshot point(int counter) {
            CounterSnapshot.CounterDataPointSnapshot point = points[counter];
            if (point == null || point.getValue() != counts[counter]) {
                point = CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(counts[counter])
                        .build();
                points[counter] = point;
            }
            return point;
        }
    }

    /**
     * The labels whose value is not empty: Prometheus takes an empty label as an absent one, and a
     * drop that met no netfilter verdict would otherwise spell out three empty ones on each line.
     */
    private static Labels withValues(List<String> names, List<String> values) {
        Labels.Builder labels = Labels.builder();
        for (int i = 0; i < names.size(); i++) {
            if (!values.get(i).isEmpty()) {
                labels.label(names.get(i), values.get(i));
            }
        }
        return labels.build();
    }

    private final List<String> labelNames;
    private final int counters;
    private final Function<K, List<String>> labelsOf;
    private final SeriesLimit limit;
    private final Map<K, Series> byKey = new HashMap<>();
    private final Map<List<String>, Series> byLabels = new LinkedHashMap<>();
    private final Series other;
    /** series() as last made, or null once a series came or went */
    private List<Series> ordered;
    private boolean orderedWithOther;

    FoldedCounters(List<String> labelNames, List<String> otherLabels, int counters, int maxSeries,
            Function<K, List<String>> labelsOf) {
        this.labelNames = labelNames;
        this.counters = counters;
        this.labelsOf = labelsOf;
        this.limit = new SeriesLimit(maxSeries);
        this.other = new Series(labelNames, otherLabels, counters);
    }

    /** Starts a reading: every series counts from zero until the kernel's keys are added again. */
    void begin() {
        byLabels.values().forEach(series -> System.arraycopy(series.retired, 0, series.counts, 0, counters));
        System.arraycopy(other.retired, 0, other.counts, 0, counters);
    }

    /** Adds a kernel key's counters to its series; returns that series. */
    Series add(K key, long... values) {
        Series series = byKey.computeIfAbsent(key, this::seriesOf);
        for (int i = 0; i < counters; i++) {
            series.counts[i] += values[i];
        }
        return series;
    }

    /** Counters of no known key (the kernel's map was full): the "other" series. */
    void addOther(long... values) {
        for (int i = 0; i < counters; i++) {
            other.counts[i] += values[i];
        }
    }

    private Series seriesOf(K key) {
        List<String> values = labelsOf.apply(key);
        Series series = limit.admit(values) ? byLabels.computeIfAbsent(values, this::newSeries) : other;
        series.keys++;
        return series;
    }

    private Series newSeries(List<String> labelValues) {
        ordered = null;
        return new Series(labelNames, labelValues, counters);
    }

    /**
     * A kernel key deleted with its last counts. A series left without keys goes (its namespace is
     * gone; Prometheus marks it stale) and frees its place under the limit.
     */
    void retire(K key, long... last) {
        Series series = byKey.remove(key);
        if (series == null) {
            return;
        }
        for (int i = 0; i < counters; i++) {
            series.retired[i] += last[i];
        }
        if (--series.keys == 0 && series != other) {
            byLabels.remove(series.labelValues);
            limit.release(series.labelValues);
            ordered = null;
        }
    }

    /**
     * The series to export: every admitted one, and "other" once anything was folded into it, in
     * the order of their labels. The client sorts a metric's data points by their labels; handed
     * over in that order its sort is one pass (unsorted, it was a third of a 10,000-series scrape).
     */
    List<Series> series() {
        boolean withOther = limit.folded() > 0 || Arrays.stream(other.counts).anyMatch(count -> count != 0);
        if (ordered == null || orderedWithOther != withOther) {
            List<Series> all = new ArrayList<>(byLabels.values());
            if (withOther) {
                all.add(other);
            }
            all.sort(Comparator.comparing(series -> series.labels));
            ordered = all;
            orderedWithOther = withOther;
        }
        return ordered;
    }

    /** Label sets folded into "other" by the series limit. */
    long folded() {
        return limit.folded();
    }
}
