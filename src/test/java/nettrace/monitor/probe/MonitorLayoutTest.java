package nettrace.monitor.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import nettrace.kernel.Btf;
import nettrace.testing.BpfObjectFile;
import org.junit.jupiter.api.Test;

/** bpf/monitor.h and MonitorLayout must agree byte for byte, and on every shared constant. */
class MonitorLayoutTest {
    private static final Btf OBJECT = BpfObjectFile.btf(MonitorProbes.OBJECT_RESOURCE);

    private static Map<String, Long> byteOffsets(String struct) {
        return OBJECT.structMembers(struct).stream()
                .collect(Collectors.toMap(Btf.Member::name, member -> member.bitOffset() / 8));
    }

    private static int size(String struct) {
        return OBJECT.size(OBJECT.find(struct, Btf.Kind.STRUCT).orElseThrow());
    }

    @Test
    void flowOffsetsMatch() {
        assertThat(byteOffsets("mon_flow")).containsEntry("saddr", (long) MonitorLayout.FLOW_SADDR)
                .containsEntry("daddr", (long) MonitorLayout.FLOW_DADDR)
                .containsEntry("sport", (long) MonitorLayout.FLOW_SPORT)
                .containsEntry("dport", (long) MonitorLayout.FLOW_DPORT)
                .containsEntry("l3_proto", (long) MonitorLayout.FLOW_L3_PROTO)
                .containsEntry("l4_proto", (long) MonitorLayout.FLOW_L4_PROTO)
                .containsEntry("netns", (long) MonitorLayout.FLOW_NETNS);
        assertThat(size("mon_flow")).isEqualTo(MonitorLayout.FLOW_SIZE);
    }

    @Test
    void configOffsetsMatchAndItIsTheOnlyReadOnlyVariable() {
        assertThat(byteOffsets("mon_config")).containsEntry("match", (long) MonitorLayout.CONFIG_MATCH)
                .containsEntry("mask", (long) MonitorLayout.CONFIG_MASK)
                .containsEntry("patterns", (long) MonitorLayout.CONFIG_PATTERNS)
                .containsEntry("consumed_reason", (long) MonitorLayout.CONFIG_CONSUMED_REASON)
                .containsEntry("netfilter_drop_reason", (long) MonitorLayout.CONFIG_NETFILTER_DROP_REASON)
                .containsEntry("not_specified_reason", (long) MonitorLayout.CONFIG_NOT_SPECIFIED_REASON)
                .containsEntry("frag_list_free_start", (long) MonitorLayout.CONFIG_FRAG_LIST_FREE_START)
                .containsEntry("frag_list_free_end", (long) MonitorLayout.CONFIG_FRAG_LIST_FREE_END)
                .containsEntry("list_free_start", (long) MonitorLayout.CONFIG_LIST_FREE_START)
                .containsEntry("list_free_end", (long) MonitorLayout.CONFIG_LIST_FREE_END);
        assertThat(size("mon_config")).isEqualTo(MonitorLayout.CONFIG_SIZE);
        assertThat(MonitorLayout.CONFIG_MASK - MonitorLayout.CONFIG_MATCH)
                .isEqualTo(MonitorLayout.PATTERNS * MonitorLayout.FLOW_SIZE);
        assertThat(OBJECT.sectionVariables(".rodata")).containsExactly(Map.entry("CONFIG", 0));
    }

    @Test
    void dropKeyAndValueOffsetsMatch() {
        assertThat(byteOffsets("mon_drop_key")).containsEntry("location", (long) MonitorLayout.DROP_LOCATION)
                .containsEntry("reason", (long) MonitorLayout.DROP_REASON)
                .containsEntry("netns", (long) MonitorLayout.DROP_NETNS)
                .containsEntry("ifname", (long) MonitorLayout.DROP_IFNAME)
                .containsEntry("nf_source", (long) MonitorLayout.DROP_NF_SOURCE)
                .containsEntry("l3_proto", (long) MonitorLayout.DROP_L3_PROTO)
                .containsEntry("l4_proto", (long) MonitorLayout.DROP_L4_PROTO)
                .containsEntry("nf_hook", (long) MonitorLayout.DROP_NF_HOOK)
                .containsEntry("nf_pf", (long) MonitorLayout.DROP_NF_PF)
                .containsEntry("nf_table", (long) MonitorLayout.DROP_NF_TABLE)
                .containsEntry("nf_chain", (long) MonitorLayout.DROP_NF_CHAIN);
        assertThat(size("mon_drop_key")).isEqualTo(MonitorLayout.DROP_KEY_SIZE);
        assertThat(byteOffsets("mon_drop_value")).containsEntry("packets", (long) MonitorLayout.DROP_PACKETS)
                .containsEntry("bytes", (long) MonitorLayout.DROP_BYTES)
                .containsEntry("last_seen", (long) MonitorLayout.DROP_LAST_SEEN)
                .containsEntry("sample", (long) MonitorLayout.DROP_SAMPLE);
        assertThat(size("mon_drop_value")).isEqualTo(MonitorLayout.DROP_VALUE_SIZE);
    }

    @Test
    void tcpRttAndRunTimeLayoutsMatch() {
        assertThat(byteOffsets("mon_tcp_key")).containsEntry("netns", (long) MonitorLayout.TCP_NETNS)
                .containsEntry("event", (long) MonitorLayout.TCP_EVENT)
                .containsEntry("reason", (long) MonitorLayout.TCP_REASON);
        assertThat(size("mon_tcp_key")).isEqualTo(MonitorLayout.TCP_KEY_SIZE);
        assertThat(byteOffsets("mon_rtt_key")).containsEntry("netns", (long) MonitorLayout.RTT_NETNS)
                .containsEntry("bucket", (long) MonitorLayout.RTT_BUCKET);
        assertThat(size("mon_rtt_key")).isEqualTo(MonitorLayout.RTT_KEY_SIZE);
        assertThat(byteOffsets("mon_run_time")).containsEntry("runs", (long) MonitorLayout.RUN_RUNS)
                .containsEntry("ns", (long) MonitorLayout.RUN_NS);
        assertThat(size("mon_run_time")).isEqualTo(MonitorLayout.RUN_TIME_SIZE);
    }

    @Test
    void enumsMatch() {
        Map<Long, String> programs = OBJECT.enumValues("mon_program");
        for (int i = 0; i < MonitorLayout.PROGRAMS.size(); i++) {
            assertThat(programs.get((long) i)).isEqualToIgnoringCase("MON_PROGRAM_" + MonitorLayout.PROGRAMS.get(i));
        }
        assertThat(programs).containsEntry((long) MonitorLayout.PROGRAMS.size(), "MON_PROGRAMS");

        Map<Long, String> events = new LinkedHashMap<>(OBJECT.enumValues("mon_tcp_event"));
        List<String> expected = java.util.Arrays.stream(TcpCount.Event.values()).map(e -> "MON_TCP_" + e.name())
                .toList();
        for (int i = 0; i < expected.size(); i++) {
            assertThat(events.get((long) (MonitorLayout.TCP_EVENT_FIRST + i))).isEqualTo(expected.get(i));
        }
        Map<Long, String> sources = OBJECT.enumValues("mon_netfilter_source");
        DropCount.NetfilterVerdict.Source[] javaSources = DropCount.NetfilterVerdict.Source.values();
        for (int i = 0; i < javaSources.length; i++) {
            assertThat(sources.get((long) i)).isEqualTo("MON_NF_" + javaSources[i].name());
        }
    }
}
