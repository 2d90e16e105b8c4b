package nettrace.bpf;

/** enum nt_filter_link: which of --filter's two programs, by where the packet starts. */
@MirrorsBpf("nt_filter_link")
public final class FilterLinks {
    public static final int FILTER_ETHERNET = 0;
    public static final int FILTER_RAW = 1;
    public static final int FILTER_LINKS = 2;

    private FilterLinks() {
    }
}
