package nettrace.bpf;

/** enum nt_stat: the slots of the per-CPU stats map. */
@MirrorsBpf("nt_stat")
public final class Stats {
    public static final int STAT_EVENTS_LOST = 0;
    public static final int STAT_LIVES_FULL = 1;
    public static final int STAT_RATE_LIMITED = 2;
    public static final int STAT_COUNT = 3;

    private Stats() {
    }
}
