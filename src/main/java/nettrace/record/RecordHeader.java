package nettrace.record;

import java.util.List;
import java.util.Optional;

/**
 * The first line of a record: where and how it was taken, what a replay needs beyond the events.
 *
 * @param bootEpochNanos         when the events' clock read 0, in nanoseconds since the Unix epoch
 * @param tracers                the tracers attached, "name (group): mechanism target"
 * @param unavailable            the tracers that could not be attached, with why
 * @param netfilterDetailMissing why netfilter tables and chains are not in the events, if so
 */
public record RecordHeader(int format, String nettrace, String kernel, long bootEpochNanos, String mode,
        String options, List<String> tracers, List<String> unavailable, Optional<String> netfilterDetailMissing) {

    /** The format this version writes and reads. */
    public static final int FORMAT = 1;
    /** The header line's type. */
    public static final String TYPE = "nettrace-record";
}
