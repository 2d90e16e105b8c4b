package nettrace.config;

/** What nettrace does with the events: exactly one per run (SPEC §1 "Modes"). */
public enum Mode {
    /** Follow each matching skb from first sight to its free; print one block per skb. */
    LIFECYCLE("lifecycle"),
    /** Print every hit as it comes. */
    BASIC("--basic"),
    /** Lifecycle plus diagnosis rules and an analysis of each problem packet. */
    DIAG("--diag"),
    /** Every kfree_skb with its tuple, reason and location (the original's droptrace). */
    DROP("--drop"),
    /** struct sock events: TCP state changes, retransmits, resets. */
    SOCK("--sock"),
    /** Histogram of TCP round-trip times. */
    RTT("--rtt"),
    /** One line per skb: its first and last point and the time between. */
    LATENCY("--latency"),
    /** Hits per tracer, each second. */
    FUNC_STATS("--func-stats");

    private final String option;

    Mode(String option) {
        this.option = option;
    }

    /** How the user selects this mode, for messages. */
    public String option() {
        return option;
    }

    /** The tracer tree's name for the tracers this mode uses ("sock", "rtt" or "skb"). */
    public String tracerMode() {
        return switch (this) {
            case SOCK -> "sock";
            case RTT -> "rtt";
            default -> "skb";
        };
    }

    /** Modes that follow an skb by its address after its first match. */
    public boolean followsSkb() {
        return this == LIFECYCLE || this == DIAG || this == LATENCY;
    }

    /** Modes whose events are packets (not sockets). */
    public boolean tracesPackets() {
        return this != SOCK && this != RTT;
    }
}
