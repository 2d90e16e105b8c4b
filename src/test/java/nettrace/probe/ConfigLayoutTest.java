package nettrace.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import nettrace.config.Config;
import nettrace.config.FilterExpression;
import nettrace.config.IpAddress;
import nettrace.config.Mode;
import nettrace.config.PacketFilter;
import nettrace.config.Protocol;
import nettrace.kernel.Btf;
import nettrace.testing.BpfObjectFile;
import org.junit.jupiter.api.Test;

class ConfigLayoutTest {
    private static final Btf OBJECT = BpfObjectFile.btf();

    @Test
    void offsetsMatchTheBpfStruct() {
        Map<String, Long> c = OBJECT.structMembers("nt_config").stream()
                .collect(Collectors.toMap(Btf.Member::name, member -> member.bitOffset() / 8));
        assertThat(c).containsEntry("saddr", (long) ConfigLayout.SADDR)
                .containsEntry("daddr", (long) ConfigLayout.DADDR)
                .containsEntry("addr", (long) ConfigLayout.ADDR)
                .containsEntry("saddr_len", (long) ConfigLayout.SADDR_LEN)
                .containsEntry("daddr_len", (long) ConfigLayout.DADDR_LEN)
                .containsEntry("addr_len", (long) ConfigLayout.ADDR_LEN)
                .containsEntry("l4_proto", (long) ConfigLayout.L4_PROTO)
                .containsEntry("l3_proto", (long) ConfigLayout.L3_PROTO)
                .containsEntry("sport", (long) ConfigLayout.SPORT)
                .containsEntry("dport", (long) ConfigLayout.DPORT)
                .containsEntry("port", (long) ConfigLayout.PORT)
                .containsEntry("pkt_len_min", (long) ConfigLayout.PKT_LEN_MIN)
                .containsEntry("pkt_len_max", (long) ConfigLayout.PKT_LEN_MAX)
                .containsEntry("netns", (long) ConfigLayout.NETNS)
                .containsEntry("pid", (long) ConfigLayout.PID)
                .containsEntry("tcp_flags", (long) ConfigLayout.TCP_FLAGS)
                .containsEntry("mode", (long) ConfigLayout.MODE)
                .containsEntry("detail", (long) ConfigLayout.DETAIL)
                .containsEntry("rtt_events", (long) ConfigLayout.RTT_EVENTS)
                .containsEntry("rate_limit", (long) ConfigLayout.RATE_LIMIT)
                .containsEntry("min_srtt_us", (long) ConfigLayout.MIN_SRTT_US)
                .containsEntry("min_rtt_us", (long) ConfigLayout.MIN_RTT_US)
                .containsEntry("expression_length", (long) ConfigLayout.EXPRESSION_LENGTH);
        assertThat(OBJECT.size(OBJECT.find("nt_config", Btf.Kind.STRUCT).orElseThrow())).isEqualTo(ConfigLayout.SIZE);
    }

    @Test
    void theExpressionMapHoldsAsManyInstructionsAsJavaAllows() {
        assertThat(OBJECT.size(OBJECT.find("nt_expression_program", Btf.Kind.STRUCT).orElseThrow()))
                .isEqualTo(FilterExpression.MAX_INSTRUCTIONS * FilterExpression.INSTRUCTION_BYTES);
        assertThat(OBJECT.size(OBJECT.find("nt_filter_insn", Btf.Kind.STRUCT).orElseThrow()))
                .isEqualTo(FilterExpression.INSTRUCTION_BYTES);
    }

    @Test
    void theConfigIsTheOnlyReadOnlyVariable() {
        assertThat(OBJECT.sectionVariables(".rodata")).containsExactly(Map.entry("CONFIG", 0));
    }

    @Test
    void encodesAFilterInNetworkTermsTheBpfSideCompares() {
        PacketFilter filter = new PacketFilter(Optional.of(IpAddress.parse("10.0.0.1", "-s")), Optional.empty(),
                Optional.empty(), 0, 80, 0, Optional.of(Protocol.parse("tcp")), 0, 0, 0, 0, 0,
                Optional.empty());
        ByteBuffer bytes = ByteBuffer.wrap(ConfigLayout.encode(Config.of(Mode.LIFECYCLE, filter), 2))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.get(ConfigLayout.SADDR)).isEqualTo((byte) 10);
        assertThat(bytes.get(ConfigLayout.SADDR + 3)).isEqualTo((byte) 1);
        assertThat(bytes.get(ConfigLayout.SADDR_LEN)).isEqualTo((byte) 4);
        assertThat(bytes.get(ConfigLayout.DADDR_LEN)).isZero();
        assertThat(bytes.getShort(ConfigLayout.L3_PROTO)).isEqualTo((short) 0x0800);
        assertThat(bytes.get(ConfigLayout.L4_PROTO)).isEqualTo((byte) 6);
        assertThat(bytes.getShort(ConfigLayout.DPORT)).isEqualTo((short) 80);
        assertThat(bytes.get(ConfigLayout.MODE)).isEqualTo((byte) ConfigLayout.MODE_LIFECYCLE);
    }
}
