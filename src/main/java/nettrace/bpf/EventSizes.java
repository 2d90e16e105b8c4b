package nettrace.bpf;

/** enum nt_event_size: where an event record ends, by what it carries; and the config's size. */
@MirrorsBpf("nt_event_size")
public final class EventSizes {
    /** No packet: the skb's is the one its last kept record carried (EVENT_SAME_PACKET). */
    public static final int NT_EVENT_SHORT_SIZE = 72;
    /** Neither names nor an extension. */
    public static final int NT_EVENT_PLAIN_SIZE = 144;
    /** With the task and interface names. */
    public static final int NT_EVENT_BASE_SIZE = 176;
    /** With a netfilter or socket extension. */
    public static final int NT_EVENT_EXT_SIZE = 312;
    /** With a tunnel's inner packet. */
    public static final int NT_EVENT_INNER_SIZE = 384;
    /** With captured packet bytes: this plus their number. */
    public static final int NT_EVENT_CAPTURE_SIZE = 392;
    public static final int NT_CONFIG_SIZE = 96;

    private EventSizes() {
    }
}
