package nettrace.bpf;

/** struct nt_packet: byte offsets of the headers the BPF side parsed. */
@MirrorsBpf("nt_packet")
public final class PacketLayout {
    public static final int SADDR = 0;
    public static final int DADDR = 16;
    public static final int L3_PROTO = 32;
    public static final int L4_PROTO = 34;
    public static final int TCP_FLAGS = 35;
    public static final int SPORT = 36;
    public static final int DPORT = 38;
    public static final int SEQ = 40;
    public static final int ACK = 44;
    public static final int IP_LEN = 48;
    public static final int VLAN_TCI = 50;
    public static final int ICMP_TYPE = 52;
    public static final int ICMP_CODE = 53;
    public static final int ICMP_ID = 54;
    public static final int ICMP_SEQ = 56;
    public static final int ARP_OP = 58;
    public static final int HWADDR = 60;
    public static final int FRAGMENT = 66;
    public static final int IP_ID = 68;

    private PacketLayout() {
    }
}
