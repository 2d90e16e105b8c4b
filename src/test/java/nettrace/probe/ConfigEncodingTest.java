package nettrace.probe;

import static nettrace.bpf.ConfigLayout.DADDR_LEN;
import static nettrace.bpf.ConfigLayout.DPORT;
import static nettrace.bpf.ConfigLayout.L3_PROTO;
import static nettrace.bpf.ConfigLayout.L4_PROTO;
import static nettrace.bpf.ConfigLayout.MODE;
import static nettrace.bpf.ConfigLayout.SADDR;
import static nettrace.bpf.ConfigLayout.SADDR_LEN;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import nettrace.bpf.Modes;
import nettrace.config.Config;
import nettrace.config.FilterExpression;
import nettrace.config.IpAddress;
import nettrace.config.Mode;
import nettrace.config.PacketFilter;
import nettrace.config.Protocol;
import nettrace.kernel.Btf;
import nettrace.testing.BpfObjectFile;
import org.junit.jupiter.api.Test;

/** The configuration as the BPF side reads it from .rodata (its layout: bpf.BpfContractTest). */
class ConfigEncodingTest {
    private static final Btf OBJECT = BpfObjectFile.btf();

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
                Optional.empty(), 0, 80, 0, Optional.of(Protocol.parse("tcp")), 0, 0, 0, 0, 0, Optional.empty());
        ByteBuffer bytes = ByteBuffer.wrap(ConfigEncoding.encode(Config.of(Mode.LIFECYCLE, filter), 2))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.get(SADDR)).isEqualTo((byte) 10);
        assertThat(bytes.get(SADDR + 3)).isEqualTo((byte) 1);
        assertThat(bytes.get(SADDR_LEN)).isEqualTo((byte) 4);
        assertThat(bytes.get(DADDR_LEN)).isZero();
        assertThat(bytes.getShort(L3_PROTO)).isEqualTo((short) 0x0800);
        assertThat(bytes.get(L4_PROTO)).isEqualTo((byte) 6);
        assertThat(bytes.getShort(DPORT)).isEqualTo((short) 80);
        assertThat(bytes.get(MODE)).isEqualTo((byte) Modes.MODE_LIFECYCLE);
    }
}
