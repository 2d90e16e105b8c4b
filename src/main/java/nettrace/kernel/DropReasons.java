package nettrace.kernel;

import java.util.Map;

/**
 * Names of kfree_skb drop reasons as the running kernel numbers them (the values differ
 * between kernel versions). The top 16 bits of a reason name a subsystem whose own enum
 * holds the rest.
 */
public final class DropReasons {
    private static final String PREFIX = "SKB_DROP_REASON_";
    private static final String SUBSYSTEM_PREFIX = "SKB_DROP_REASON_SUBSYS_";
    private static final int SUBSYSTEM_SHIFT = 16;

    private final Map<Long, String> core;
    private final Map<Long, String> subsystems;

    public DropReasons(Map<Long, String> core, Map<Long, String> subsystems) {
        this.core = core;
        this.subsystems = subsystems;
    }

    /** Reads enum skb_drop_reason and enum skb_drop_reason_subsys from the kernel's BTF. */
    public static DropReasons fromBtf(Btf btf) {
        return new DropReasons(btf.enumValues("skb_drop_reason"), btf.enumValues("skb_drop_reason_subsys"));
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
