package nettrace.monitor.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.testing.BpfObjectFile;
import nettrace.tracer.Mechanism;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The monitor's plan for this machine's kernel (its real BTF and symbols) under three sets of features. */
class MonitorPlanTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static final KernelFeatures TRACEPOINTS_ONLY = new KernelFeatures(
            Optional.of("the kernel refuses fentry programs (EPERM)"),
            Optional.of("the kernel has no kprobe support (CONFIG_KPROBES is off)"), Optional.of("no kprobes"));
    private static final KernelFeatures KPROBES_ONLY = new KernelFeatures(
            Optional.of("the kernel refuses fentry programs (EPERM)"), Optional.empty(), Optional.of("not tried"));
    private static final KernelFeatures FULL = new KernelFeatures(Optional.empty(), Optional.empty(),
            Optional.of("not tried"));
    private static final Btf OBJECT = BpfObjectFile.btf(MonitorProbes.OBJECT_RESOURCE);

    private static KernelBtf btf;
    private static KernelSymbols symbols;

    @BeforeAll
    static void readKernel() {
        assumeTrue(Files.isReadable(VMLINUX) && Files.isReadable(KernelSymbols.KALLSYMS), "no BTF or kallsyms");
        btf = new KernelBtf(Btf.read(VMLINUX), true);
        symbols = KernelSymbols.read();
        assumeTrue(symbols.exists("nft_do_chain") && symbols.exists("ipt_do_table"),
                "needs nf_tables and ip_tables in the kernel (built in, or loaded)");
    }

    private static void assertTheObjectHasEveryProgram(MonitorPlan plan) {
        for (String program : plan.programs()) {
            assertThat(OBJECT.find(program, Btf.Kind.FUNC)).as(program + " in monitor.bpf.o").isPresent();
        }
    }

    @Test
    void withFentryTheNetfilterChainsAreEnteredByFentry() {
        MonitorPlan plan = MonitorPlan.of(btf, symbols, FULL, false);
        assertThat(plan.attachments()).extracting(a -> a.probe() + " " + a.mechanism() + " " + a.program())
                .contains("skb:kfree_skb TRACEPOINT monitor_kfree_skb", "nft_do_chain FENTRY monitor_fentry_nft_do_chain")
                .anyMatch(line -> line.matches("ipt_do_table FENTRY monitor_fentry_ipt_do_table_[01]"))
                .noneMatch(line -> line.startsWith("tcp:tcp_probe"));
        assertThat(plan.unavailable()).isEmpty();
        assertTheObjectHasEveryProgram(plan);
    }

    @Test
    void withKprobesOnlyTheyEnterTheChains() {
        MonitorPlan plan = MonitorPlan.of(btf, symbols, KPROBES_ONLY, true);
        assertThat(plan.attachments()).filteredOn(a -> a.mechanism() == Mechanism.KPROBE)
                .extracting(MonitorPlan.Attachment::probe).containsExactlyInAnyOrder("nft_do_chain", "ipt_do_table");
        assertThat(plan.attachments()).extracting(MonitorPlan.Attachment::probe).contains("tcp:tcp_probe");
        assertTheObjectHasEveryProgram(plan);
    }

    @Test
    void withTracepointsOnlyTheNetfilterLabelsAreSaidToBeMissing() {
        MonitorPlan plan = MonitorPlan.of(btf, symbols, TRACEPOINTS_ONLY, false);
        assertThat(plan.programs()).contains("monitor_kfree_skb_plain").doesNotContain("monitor_kfree_skb");
        assertThat(plan.attachments()).allMatch(a -> a.mechanism() == Mechanism.TRACEPOINT)
                .extracting(MonitorPlan.Attachment::target)
                .contains("kfree_skb", "tcp_retransmit_skb", "tcp_send_reset", "tcp_receive_reset", "inet_sock_set_state");
        assertThat(plan.unavailable()).extracting(u -> u.probe() + ": " + u.reason()).containsExactlyInAnyOrder(
                "nft_do_chain: the kernel refuses fentry programs (EPERM); the kernel has no kprobe support "
                        + "(CONFIG_KPROBES is off): drops by nftables carry no hook, table and chain labels",
                "ipt_do_table: the kernel refuses fentry programs (EPERM); the kernel has no kprobe support "
                        + "(CONFIG_KPROBES is off): drops by iptables-legacy carry no hook, table and chain labels");
    }

    @Test
    void netfilterTypesThatCannotBeRelocatedLeaveTheDropsUnnamed() {
        MonitorPlan plan = MonitorPlan.of(btf, symbols, KPROBES_ONLY, false).withoutNetfilter("no module BTF");
        assertThat(plan.attachments()).noneMatch(a -> a.probe().equals("nft_do_chain") || a.probe().equals("ipt_do_table"));
        assertThat(plan.programs()).contains("monitor_kfree_skb_plain");
        assertThat(plan.unavailable()).extracting(MonitorPlan.Unavailable::reason).containsOnly("no module BTF")
                .hasSize(2);
        assertTheObjectHasEveryProgram(plan);
    }

    @Test
    void aRefusedFentryMovesToItsKprobe() {
        MonitorPlan plan = MonitorPlan.of(btf, symbols, FULL, false);
        MonitorPlan.Attachment fentry = plan.attachments().stream().filter(a -> a.probe().equals("nft_do_chain"))
                .findFirst().orElseThrow();
        MonitorPlan moved = plan.withKprobeFor(fentry, FULL);
        assertThat(moved.attachments()).contains(new MonitorPlan.Attachment("nft_do_chain",
                "monitor_kprobe_nft_do_chain", Mechanism.KPROBE, fentry.target())).doesNotContain(fentry);
        assertTheObjectHasEveryProgram(moved);
        assertThat(plan.withKprobeFor(fentry, TRACEPOINTS_ONLY).unavailable()).extracting(MonitorPlan.Unavailable::probe)
                .containsExactly("nft_do_chain");
    }
}
