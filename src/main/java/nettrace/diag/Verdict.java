package nettrace.diag;

import java.util.Locale;

/**
 * What the diagnosis says of a packet as a whole. Only a packet whose end was seen, consumed
 * normally or delivered, is good; a packet whose end was not seen is unknown, never good.
 */
public enum Verdict {
    /** seen to the end, consumed normally, nothing wrong on the way */
    GOOD,
    /** dropped where the kernel drops such packets by design (a benign drop) */
    EXPECTED,
    /** something went wrong on the way (a WARN finding), no drop */
    WARN,
    /** dropped, or an ERROR finding */
    ERROR,
    /** its end was not seen: nothing is known of how it ended */
    UNKNOWN;

    /** The JSON and log name: "good", "expected", "warn", "error", "unknown". */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
