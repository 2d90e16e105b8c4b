package nettrace.config;

/** The options only some modes accept; which ones is said by each {@link Mode}. */
public enum ModeOption {
    HOOKS("--hooks"),
    TINY_SHOW("--tiny-show"),
    LATENCY_SHOW("--latency-show"),
    LATENCY_FREE("--latency-free"),
    MIN_LATENCY("--min-latency"),
    FOLLOWING("--trace-matcher/--trace-free/--trace-noclone"),
    RATE_LIMIT("--rate-limit"),
    RTT_FILTER("--filter-srtt/--filter-minrtt"),
    PACKET_FILTER("--pkt-len/--tcp-flags"),
    EXPRESSION("--filter"),
    TRACER_CHOICE("-t/--trace-exclude/--trace-func"),
    TRACE_STACK("--trace-stack"),
    RETURN_VALUES("--ret"),
    COUNT("-c"),
    SNAPLEN("--snaplen");

    private final String flags;

    ModeOption(String flags) {
        this.flags = flags;
    }

    /** How the user gives it, for messages. */
    public String flags() {
        return flags;
    }
}
