package nettrace.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;
import nettrace.kernel.Btf;
import nettrace.testing.BpfObjectFile;
import org.junit.jupiter.api.Test;

/** The Java decoder and the C struct must agree byte for byte. */
class EventLayoutTest {
    private static final Btf OBJECT = BpfObjectFile.btf();

    private static Map<String, Long> byteOffsets(String struct) {
        return OBJECT.structMembers(struct).stream()
                .collect(Collectors.toMap(Btf.Member::name, member -> member.bitOffset() / 8));
    }

    @Test
    void eventOffsetsMatchTheBpfStruct() {
        Map<String, Long> c = byteOffsets("nt_event");
        assertThat(c).containsEntry("ts", (long) EventLayout.TS)
                .containsEntry("skb", (long) EventLayout.SKB)
                .containsEntry("arg", (long) EventLayout.ARG)
                .containsEntry("ret", (long) EventLayout.RET)
                .containsEntry("tracer", (long) EventLayout.TRACER)
                .containsEntry("flags", (long) EventLayout.FLAGS)
                .containsEntry("cpu", (long) EventLayout.CPU)
                .containsEntry("pid", (long) EventLayout.PID)
                .containsEntry("netns", (long) EventLayout.NETNS)
                .containsEntry("ifindex", (long) EventLayout.IFINDEX)
                .containsEntry("comm", (long) EventLayout.COMM)
                .containsEntry("ifname", (long) EventLayout.IFNAME)
                .containsEntry("pkt", (long) EventLayout.PKT)
                .containsEntry("stack_id", (long) EventLayout.STACK_ID)
                .containsEntry("head", (long) EventLayout.HEAD)
                .containsEntry("fingerprint", (long) EventLayout.FINGERPRINT)
                .containsEntry("ext", (long) EventLayout.EXT)
                .containsEntry("inner", (long) EventLayout.INNER);
        assertThat(OBJECT.size(OBJECT.find("nt_event", Btf.Kind.STRUCT).orElseThrow()))
                .isEqualTo(EventLayout.SIZE_WITH_INNER);
        assertThat(EventLayout.INNER).as("the extension ends where the inner packet starts")
                .isEqualTo(EventLayout.SIZE_WITH_EXTENSION);
        assertThat(EventLayout.COMM).as("the plain size is where the names start").isEqualTo(EventLayout.SIZE);
        assertThat(EventLayout.EXT).as("the names end where the extension starts")
                .isEqualTo(EventLayout.SIZE_WITH_NAMES);
    }

    @Test
    void sockOffsetsMatchTheBpfStruct() {
        Map<String, Long> c = byteOffsets("nt_sock");
        assertThat(c).containsEntry("state", (long) EventLayout.SOCK_STATE)
                .containsEntry("old_state", (long) EventLayout.SOCK_OLD_STATE)
                .containsEntry("ca_state", (long) EventLayout.SOCK_CA_STATE)
                .containsEntry("srtt_us", (long) EventLayout.SOCK_SRTT_US)
                .containsEntry("min_rtt_us", (long) EventLayout.SOCK_MIN_RTT_US)
                .containsEntry("snd_cwnd", (long) EventLayout.SOCK_SND_CWND)
                .containsEntry("packets_out", (long) EventLayout.SOCK_PACKETS_OUT)
                .containsEntry("retrans_out", (long) EventLayout.SOCK_RETRANS_OUT)
                .containsEntry("total_retrans", (long) EventLayout.SOCK_TOTAL_RETRANS);
    }

    @Test
    void netfilterOffsetsMatchTheBpfStruct() {
        Map<String, Long> c = byteOffsets("nt_netfilter");
        assertThat(c).containsEntry("hook", (long) EventLayout.NF_HOOK)
                .containsEntry("pf", (long) EventLayout.NF_PF)
                .containsEntry("hook_count", (long) EventLayout.NF_HOOK_COUNT)
                .containsEntry("source", (long) EventLayout.NF_SOURCE)
                .containsEntry("table", (long) EventLayout.NF_TABLE)
                .containsEntry("chain", (long) EventLayout.NF_CHAIN)
                .containsEntry("hooks", (long) EventLayout.NF_HOOKS);
    }

    @Test
    void packetOffsetsMatchTheBpfStruct() {
        Map<String, Long> c = byteOffsets("nt_packet");
        assertThat(c).containsEntry("saddr", (long) EventLayout.PKT_SADDR)
                .containsEntry("daddr", (long) EventLayout.PKT_DADDR)
                .containsEntry("l3_proto", (long) EventLayout.PKT_L3_PROTO)
                .containsEntry("l4_proto", (long) EventLayout.PKT_L4_PROTO)
                .containsEntry("tcp_flags", (long) EventLayout.PKT_TCP_FLAGS)
                .containsEntry("sport", (long) EventLayout.PKT_SPORT)
                .containsEntry("dport", (long) EventLayout.PKT_DPORT)
                .containsEntry("seq", (long) EventLayout.PKT_SEQ)
                .containsEntry("ack", (long) EventLayout.PKT_ACK)
                .containsEntry("ip_len", (long) EventLayout.PKT_IP_LEN)
                .containsEntry("vlan_tci", (long) EventLayout.PKT_VLAN_TCI)
                .containsEntry("icmp_type", (long) EventLayout.PKT_ICMP_TYPE)
                .containsEntry("icmp_code", (long) EventLayout.PKT_ICMP_CODE)
                .containsEntry("icmp_id", (long) EventLayout.PKT_ICMP_ID)
                .containsEntry("icmp_seq", (long) EventLayout.PKT_ICMP_SEQ)
                .containsEntry("arp_op", (long) EventLayout.PKT_ARP_OP)
                .containsEntry("hwaddr", (long) EventLayout.PKT_HWADDR);
        assertThat(OBJECT.size(OBJECT.find("nt_packet", Btf.Kind.STRUCT).orElseThrow()))
                .isEqualTo(EventLayout.PACKET_SIZE);
    }
}
