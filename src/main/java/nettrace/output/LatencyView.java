package nettrace.output;

import nettrace.config.Config;
import nettrace.lifecycle.SkbLife;

/**
 * How lifetimes are shown: per-hop deltas in blocks (--latency-show), whether the free counts
 * as the last point (--latency-free), and the shortest life shown (--min-latency).
 */
public record LatencyView(boolean show, boolean includeFree, long minMicros) {

    public static LatencyView of(Config config) {
        Config.ModeOptions modes = config.modes();
        return new LatencyView(modes.latencyShow(), modes.latencyFree(), modes.minLatencyMicros());
    }

    /** True when the life lived shorter than --min-latency and is not to be shown. */
    public boolean hides(SkbLife life) {
        return minMicros > 0 && life.lifetime(includeFree) / 1000 < minMicros;
    }

    /** " latency: 0.012ms": the time since the previous event of the block. */
    public void appendDelta(StringBuilder line, long previousTimestamp, long timestamp) {
        if (show && previousTimestamp > 0) {
            line.append(" latency: ");
            EventFormatter.appendMillis(line, (timestamp - previousTimestamp) / 1000);
        }
    }

    /** "total latency: 1.234ms" under a block, or null when not shown. */
    public String total(SkbLife life) {
        if (!show) {
            return null;
        }
        StringBuilder line = new StringBuilder("total latency: ");
        EventFormatter.appendMillis(line, life.lifetime(includeFree) / 1000);
        return line.toString();
    }
}
