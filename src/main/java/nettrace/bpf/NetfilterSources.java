package nettrace.bpf;

/** enum nt_netfilter_source: which function a netfilter extension comes from. */
@MirrorsBpf("nt_netfilter_source")
public final class NetfilterSources {
    public static final int NF_SOURCE_HOOK = 1;
    public static final int NF_SOURCE_IPTABLES = 2;
    public static final int NF_SOURCE_NFTABLES = 3;

    private NetfilterSources() {
    }
}
