package nettrace.monitor.probe;

/** Smoothed RTT samples of a namespace's TCP connections in one log2 bucket of microseconds. */
public record RttCount(long netns, int bucket, long count) {
}
