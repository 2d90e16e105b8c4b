package nettrace.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plan this machine's kernel (its real BTF and symbols) gets, under the features of this
 * machine (tracepoints only) and of a full kernel (fentry, kprobes).
 */
class AttachPlannerTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static final KernelFeatures TRACEPOINTS_ONLY = new KernelFeatures(
            Optional.of("fentry: refused by the kernel (EPERM)"),
            Optional.of("the kernel has no kprobe support (CONFIG_KPROBES is off)"),
            Optional.of("kprobes are unavailable"));
    private static final KernelFeatures FULL = new KernelFeatures(Optional.empty(), Optional.empty(),
            Optional.of("kprobe-multi: not tried"));

    private static KernelBtf btf;
    private static KernelSymbols symbols;
    private final TracerTree tree = TracerTree.load();

    @BeforeAll
    static void readKernel() {
        assumeTrue(Files.isReadable(VMLINUX) && Files.isReadable(KernelSymbols.KALLSYMS), "no BTF or kallsyms");
        btf = new KernelBtf(Btf.read(VMLINUX), true);
        symbols = KernelSymbols.read();
    }

    @Test
    void withoutKprobesAndFentryTheDefaultTreeEndsUpOnTracepoints() {
        AttachPlan plan = new AttachPlanner(btf, symbols, TRACEPOINTS_ONLY).plan(tree.select(List.of(), List.of()), false);
        assertThat(plan.planned()).isNotEmpty().allMatch(p -> p.mechanism() == Mechanism.TRACEPOINT);
        assertThat(plan.planned()).extracting(p -> p.tracer().name())
                .contains("netif_receive_skb", "net_dev_xmit", "consume_skb", "kfree_skb", "tcp_send_reset");
        AttachPlan.Unavailable ipRcv = plan.unavailable().stream().filter(u -> u.tracer().name().equals("ip_rcv"))
                .findFirst().orElseThrow();
        assertThat(ipRcv.reason())
                .isEqualTo("needs fentry or kprobes, which this kernel does not allow; no tracepoint alternative");
        assertThat(plan.summary()).matches("\\d+ tracers: \\d+ tracepoint; \\d+ unavailable");
    }

    @Test
    void onAFullKernelFunctionsGetFentryWithTheArgumentFromBtf() {
        AttachPlan plan = new AttachPlanner(btf, symbols, FULL).plan(
                tree.select(List.of("ip_rcv", "__ip_queue_xmit", "ipt_do_table", "tcp_v4_do_rcv", "consume_skb"),
                        List.of()), true);
        assertThat(plan.planned()).extracting(p -> p.tracer().name() + " " + p.mechanism() + " " + p.argument())
                .containsExactly("ip_rcv FENTRY 0", "__ip_queue_xmit FENTRY 1", "ipt_do_table FENTRY 1",
                        "tcp_v4_do_rcv FENTRY 1", "consume_skb TRACEPOINT 0");
        assertThat(plan.planned()).filteredOn(p -> p.mechanism() == Mechanism.FENTRY)
                .allMatch(AttachPlan.Planned::withReturn);
    }

    @Test
    void theKernelsPrototypeOverridesAWrongIndexAndRefusesAFunctionWithoutTheArgument() {
        TracerTree test = TracerTree.parse("""
                groups:
                  - name: test
                    children:
                      - {name: ip_rcv, skb: 3}
                      - {name: core, function: __netif_receive_skb_core, skb: 0}
                      - {name: missing, function: no_such_function_here, skb: 0}
                """);
        AttachPlan plan = new AttachPlanner(btf, symbols, FULL).plan(test.all(), false);
        assertThat(plan.planned()).extracting(p -> p.tracer().name() + " " + p.argument()).containsExactly("ip_rcv 0");
        assertThat(plan.unavailable()).extracting(u -> u.tracer().name() + ": " + u.reason()).containsExactly(
                "core: __netif_receive_skb_core takes no struct sk_buff * argument on this kernel; "
                        + "no tracepoint alternative",
                "missing: no_such_function_here is not in this kernel; no tracepoint alternative");
    }

    @Test
    void aFunctionWithoutBtfFallsBackToKprobes() {
        // tree functions this kernel has only as compiler clones with no BTF of their own
        Optional<Tracer> cloneOnly = tree.all().stream().filter(Tracer::hasFunction)
                .filter(t -> t.program().isEmpty())
                .filter(t -> symbols.resolve(t.functions().getFirst()).filter(s -> !s.equals(t.functions().getFirst()))
                        .isPresent())
                .filter(t -> btf.function(symbols.resolve(t.functions().getFirst()).orElseThrow(), symbols).isEmpty())
                .findFirst();
        assumeTrue(cloneOnly.isPresent(), "no clone-only function in this kernel");
        AttachPlan plan = new AttachPlanner(btf, symbols, FULL).plan(List.of(cloneOnly.get()), false);
        assertThat(plan.planned()).singleElement().satisfies(p -> {
            assertThat(p.mechanism()).isEqualTo(Mechanism.KPROBE);
            assertThat(p.target()).contains(".");
        });
    }

    @Test
    void returnValuesOf32BitFunctionsAreMarkedForSignExtension() {
        AttachPlan plan = new AttachPlanner(btf, symbols, FULL).plan(
                tree.select(List.of("ip_forward", "ip_rcv_core", "ip_route_input_slow"), List.of()), true);
        assertThat(plan.planned()).extracting(p -> p.tracer().name() + " " + p.int32Return())
                .containsExactly("ip_forward true", "ip_rcv_core false", "ip_route_input_slow true");
    }
}
