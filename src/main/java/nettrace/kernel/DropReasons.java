package nettrace.kernel;

import java.util.Map;

/**
 * Names of kfree_skb drop reasons as the running kernel numbers them (the values differ
 * between kernel versions). The top 16 bits of a reason name a subsystem whose own enum
 * holds the rest. Also the names of tcp_send_reset's reasons (enum sk_rst_reason, 6.10+).
 */
public final class DropReasons {
    private static final String PREFIX = "SKB_DROP_REASON_";
    private static final String SUBSYSTEM_PREFIX = "SKB_DROP_REASON_SUBSYS_";
    private static final int SUBSYSTEM_SHIFT = 16;

    private static final String RESET_PREFIX = "SK_RST_REASON_";

    private final Map<Long, String> core;
    private final Map<Long, String> subsystems;
    private final Map<Long, String> resets;

    public DropReasons(Map<Long, String> core, Map<Long, String> subsystems) {
        this(core, subsystems, Map.of());
    }

    public DropReasons(Map<Long, String> core, Map<Long, String> subsystems, Map<Long, String> resets) {
        this.core = core;
        this.subsystems = subsystems;
        this.resets = resets;
    }

    /** Reads enum skb_drop_reason, enum skb_drop_reason_subsys and enum sk_rst_reason from the kernel's BTF. */
    public static DropReasons fromBtf(Btf btf) {
        return new DropReasons(btf.enumValues("skb_drop_reason"), btf.enumValues("skb_drop_reason_subsys"),
                btf.enumValues("sk_rst_reason"));
    }

    /** "NO_SOCKET" for a tcp_send_reset reason, "reason 42" when unknown. */
    public String resetReason(long reason) {
        String name = resets.get(reason);
        return name == null ? "reason " + reason : strip(name, RESET_PREFIX);
    }

    public boolean known() {
        return !core.isEmpty();
    }

    /** "NO_SOCKET", "OPENVSWITCH:0x3" for a subsystem reason, "reason 42" when unknown. */
    public String name(long reason) {
        long subsystem = reason >>> SUBSYSTEM_SHIFT;
        if (subsystem == 0) {
            String name = core.get(reason);
            return name == null ? "reason " + reason : strip(name, PREFIX);
        }
        String subsystemName = subsystems.get(subsystem);
        String label = subsystemName == null ? "subsystem " + subsystem : strip(subsystemName, SUBSYSTEM_PREFIX);
        return label + ":0x" + Long.toHexString(reason & 0xffff);
    }

    private static String strip(String name, String prefix) {
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }
}
