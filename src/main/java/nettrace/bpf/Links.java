package nettrace.bpf;

/** enum nt_link: where a captured packet starts; the values are pcapng's link types. */
@MirrorsBpf("nt_link")
public final class Links {
    public static final int LINK_ETHERNET = 1;
    public static final int LINK_RAW = 101;

    private Links() {
    }
}
