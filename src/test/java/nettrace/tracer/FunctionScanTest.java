package nettrace.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelSymbols;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --trace-func's scan of this machine's kernel: its real BTF and symbols. */
class FunctionScanTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static final String SKB = "struct sk_buff *";

    private static Btf btf;
    private static KernelSymbols symbols;

    @BeforeAll
    static void readKernel() {
        assumeTrue(Files.isReadable(VMLINUX) && Files.isReadable(KernelSymbols.KALLSYMS), "no BTF or kallsyms");
        btf = Btf.read(VMLINUX);
        symbols = KernelSymbols.read();
    }

    @Test
    void everyMatchTakesAnSkbAtItsArgumentAndIsInTheKernel() {
        List<Tracer> found = FunctionScan.matching(Pattern.compile("^ip_rcv"), btf, symbols, List.of());
        assertThat(found).extracting(Tracer::name).contains("ip_rcv", "ip_rcv_finish").isSorted()
                .allMatch(name -> name.startsWith("ip_rcv"));
        for (Tracer tracer : found) {
            assertThat(symbols.exists(tracer.name())).as(tracer.name()).isTrue();
            assertThat(tracer.functions()).containsExactly(tracer.name());
            assertThat(tracer.group()).isEqualTo(FunctionScan.GROUP);
            assertThat(tracer.sockArgument()).isFalse();
            assertThat(btf.functionParameters(tracer.name()).orElseThrow().get(tracer.argument()).typeName())
                    .as(tracer.name()).isEqualTo(SKB);
        }
        assertThat(found).filteredOn(t -> t.name().equals("ip_rcv_finish")).singleElement()
                .extracting(Tracer::argument).isEqualTo(2);
    }

    @Test
    void functionsWithoutAnSkbArgumentAreLeftOut() {
        // tcp_sendmsg_locked takes a struct sock *, never an skb
        assumeTrue(btf.functionParameters("tcp_sendmsg_locked").isPresent(), "tcp_sendmsg_locked not in BTF");
        assertThat(FunctionScan.matching(Pattern.compile("^tcp_sendmsg_locked$"), btf, symbols, List.of())).isEmpty();
    }

    @Test
    void aScanOfTheWholeKernelFindsHundredsOfFunctions() {
        List<Tracer> all = FunctionScan.matching(Pattern.compile(".*"), btf, symbols, List.of());
        assertThat(all).hasSizeGreaterThan(500);
        assertThat(all).extracting(Tracer::name).doesNotHaveDuplicates();
    }

    @Test
    void functionsTheRunTracesAlreadyAreNotScannedTwice() {
        TracerTree tree = TracerTree.load();
        List<Tracer> life = tree.select(List.of("life"), List.of());
        List<Tracer> found = FunctionScan.matching(Pattern.compile("kfree_skb|skb_clone"), btf, symbols, life);
        assertThat(found).extracting(Tracer::name).doesNotContain("__kfree_skb", "kfree_skb_partial", "skb_clone");
        assertThat(FunctionScan.matching(Pattern.compile("kfree_skb|skb_clone"), btf, symbols, List.of()))
                .extracting(Tracer::name).contains("__kfree_skb", "skb_clone");
    }
}
