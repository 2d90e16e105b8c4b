package nettrace.tracer;

/** How a tracer is attached, in the order of preference. */
public enum Mechanism {
    FENTRY("fentry"),
    KPROBE_MULTI("kprobe-multi"),
    KPROBE("kprobe"),
    TRACEPOINT("tracepoint");

    private final String label;

    Mechanism(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
