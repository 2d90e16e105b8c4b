package nettrace.output;

/**
 * How a run ended: events received, events the kernel could not hand over, skbs not followed
 * (the lives map was full), and why it stopped. A record ends with it, for its replay to say.
 */
public record Summary(long events, long lost, long livesNotFollowed, String stoppedBy) {
}
