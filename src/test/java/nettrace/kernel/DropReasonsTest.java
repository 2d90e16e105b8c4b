package nettrace.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DropReasonsTest {
    private static final DropReasons REASONS = new DropReasons(
            Map.of(2L, "SKB_DROP_REASON_NOT_SPECIFIED", 3L, "SKB_DROP_REASON_NO_SOCKET"),
            Map.of(0L, "SKB_DROP_REASON_SUBSYS_CORE", 3L, "SKB_DROP_REASON_SUBSYS_OPENVSWITCH"));

    @Test
    void namesCoreReasonsWithoutTheirPrefix() {
        assertThat(REASONS.name(3)).isEqualTo("NO_SOCKET");
        assertThat(REASONS.name(2)).isEqualTo("NOT_SPECIFIED");
    }

    @Test
    void decodesTheSubsystemInTheTopBits() {
        assertThat(REASONS.name((3L << 16) | 5)).isEqualTo("OPENVSWITCH:0x5");
        assertThat(REASONS.name((9L << 16) | 1)).isEqualTo("subsystem 9:0x1");
    }

    @Test
    void unknownReasonsStayNumbers() {
        assertThat(REASONS.name(4242)).isEqualTo("reason 4242");
    }

    @Test
    void theRunningKernelNamesItsOwnReasons() {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "no kernel BTF on this machine");
        DropReasons kernel = DropReasons.fromBtf(Btf.read(vmlinux));
        assertThat(kernel.known()).isTrue();
        long noSocket = Btf.read(vmlinux).enumValues("skb_drop_reason").entrySet().stream()
                .filter(e -> e.getValue().equals("SKB_DROP_REASON_NO_SOCKET")).findFirst().orElseThrow().getKey();
        assertThat(kernel.name(noSocket)).isEqualTo("NO_SOCKET");
    }
}
