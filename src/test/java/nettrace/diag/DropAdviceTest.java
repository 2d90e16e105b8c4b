package nettrace.diag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import nettrace.kernel.Btf;
import org.junit.jupiter.api.Test;

class DropAdviceTest {
    private static final DropAdvice ADVICE = DropAdvice.load();

    @Test
    void theCommonReasonsHaveAdvice() {
        assertThat(ADVICE.reasons()).contains("NO_SOCKET", "IP_RPFILTER", "SOCKET_RCVBUFF", "NEIGH_FAILED",
                "TCP_INVALID_SEQUENCE", "IP_INNOROUTES", "IP_OUTNOROUTES", "OTHERHOST",
                "PKT_TOO_SMALL", "NETFILTER_DROP");
        assertThat(ADVICE.advice("SOCKET_RCVBUFF")).get().asString().contains("reader is too slow");
    }

    @Test
    void everyReasonWithAdviceIsOneTheRunningKernelKnows() {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "no kernel BTF on this machine");
        var names = Btf.read(vmlinux).enumValues("skb_drop_reason").values().stream()
                .map(name -> name.replaceFirst("^SKB_DROP_REASON_", "")).toList();
        assertThat(names).containsAll(ADVICE.reasons());
    }
}
