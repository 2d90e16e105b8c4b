package nettrace.config;

/** What nettrace does with the events: exactly one per run (SPEC §1 "Modes"). */
public enum Mode {
    /** Follow each matching skb from first sight to its free; print one block per skb. */
    LIFECYCLE("lifecycle"),
    /** Print every hit as it comes. */
    BASIC("--basic"),
    /** Lifecycle plus diagnosis rules and an analysis of each problem packet. */
    DIAG("--diag");

    private final String option;

    Mode(String option) {
        this.option = option;
    }

    /** How the user selects this mode, for messages. */
    public String option() {
        return option;
    }

    /** The tracer tree's name for the tracers this mode uses ("sock" or "skb"). */
    public String tracerMode() {
        return "skb";
    }

    /** Modes that follow an skb by its address after its first match. */
    public boolean followsSkb() {
        return this == LIFECYCLE || this == DIAG;
    }
}
