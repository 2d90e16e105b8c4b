package nettrace.config;

/** What a mode shows of its events; each output format draws it its own way (trace.Views). */
public enum View {
    /** every event as it comes */
    EVENTS,
    /** one block per skb life */
    LIVES,
    /** one diagnosed life per block, with its analysis */
    DIAGNOSES,
    /** one line per life with its first and last point, or a histogram of lifetimes */
    LATENCIES,
    /** a histogram of TCP round-trip times each second */
    RTT_REPORT,
    /** hits per tracer each second */
    FUNCTION_STATS
}
