package nettrace.diag;

import static nettrace.testing.Events.event;
import static nettrace.testing.Events.rule;
import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.kernel.NetworkNamespaces;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

class DiagnosisTest {
    private static final KernelSymbols SYMBOLS = KernelSymbols.parse("""
            ffffffff81f2af50 T nf_hook_slow
            ffffffff82000000 T ping_rcv
            ffffffff82000400 T __udp4_lib_rcv
            """);
    private static final DropReasons REASONS = new DropReasons(Map.of(3L, "SKB_DROP_REASON_NO_SOCKET",
            12L, "SKB_DROP_REASON_NETFILTER_DROP"), Map.of(), Map.of(2L, "SK_RST_REASON_NO_SOCKET"));
    private static final Tracer XMIT = tracer("__dev_queue_xmit", "link-out", Analyzer.RET,
            rule("ret != 0", Rule.Level.ERROR, "failed to queue packet to qdisc", null));
    private static final Tracer XDP = tracer("netif_receive_generic_xdp", "link-in", Analyzer.RET,
            rule("ret == 1", Rule.Level.ERROR, "packet is dropped by XDP program", "check your XDP program"),
            rule("ret == 3", Rule.Level.INFO, "packet is transmitted by XDP program", null));
    private static final Tracer LISTENER = tracer("__inet_lookup_listener", "tcp-in", Analyzer.RET,
            rule("ret == NULL", Rule.Level.WARN, "tcp port is not listened", "check your target tcp port"));
    private static final Tracer BACKLOG = tracer("below", "x", Analyzer.RET,
            rule("ret < 0", Rule.Level.ERROR, "negative", null));
    private static final Tracer DROP = tracer("kfree_skb", "life", Analyzer.DROP,
            rule("any", Rule.Level.ERROR, "packet is dropped by kernel", null));
    private static final Tracer RESET = tracer("tcp_v4_send_reset", "tcp-in", Analyzer.RESET,
            rule("any", Rule.Level.ERROR, "connection reset initiated by transport layer", null));
    private static final AttachPlan PLAN = Events.plan(XMIT, XDP, LISTENER, BACKLOG, DROP, RESET);

    private final Diagnosis diagnosis = new Diagnosis(PLAN, REASONS, () -> SYMBOLS, DropAdvice.load(),
            Optional.of("kprobes are off"), true, new NetworkNamespaces(), new Handshakes());

    private Optional<Finding> evaluate(Tracer tracer, SkbEvent event) {
        return diagnosis.evaluate(tracer, event);
    }

    @Test
    void returnValueRulesFireOnlyWhenTheirConditionHolds() {
        assertThat(evaluate(XMIT, event(0, 1, SkbEvent.HAS_RETURN, 0, 0))).isEmpty();
        assertThat(evaluate(XMIT, event(0, 1, SkbEvent.HAS_RETURN, -105, 0))).get()
                .extracting(Finding::level, Finding::message)
                .containsExactly(Rule.Level.ERROR, "failed to queue packet to qdisc");
        assertThat(evaluate(XDP, event(1, 1, SkbEvent.HAS_RETURN, 3, 0))).get()
                .extracting(Finding::level).isEqualTo(Rule.Level.INFO);
        assertThat(evaluate(XDP, event(1, 1, SkbEvent.HAS_RETURN, 1, 0))).get()
                .extracting(Finding::advice).isEqualTo(Optional.of("check your XDP program"));
        assertThat(evaluate(LISTENER, event(2, 1, SkbEvent.HAS_RETURN, 0, 0))).get()
                .extracting(Finding::level).isEqualTo(Rule.Level.WARN);
    }

    @Test
    void lessThanMeansLessThan() {
        assertThat(evaluate(BACKLOG, event(3, 1, SkbEvent.HAS_RETURN, -1, 0))).isPresent();
        assertThat(evaluate(BACKLOG, event(3, 1, SkbEvent.HAS_RETURN, 1, 0))).isEmpty();
    }

    @Test
    void aReturnValueRuleNeverFiresWithoutAReturnValue() {
        assertThat(evaluate(XMIT, event(0, 1, 0, -105, 0))).isEmpty();
    }

    @Test
    void aDropCarriesItsLocationReasonAndAdvice() {
        Finding finding = evaluate(DROP, event(4, 1, SkbEvent.HAS_REASON, 12, 0xffffffff81f2afe6L)).orElseThrow();
        assertThat(finding.level()).isEqualTo(Rule.Level.ERROR);
        assertThat(finding.message()).isEqualTo("packet is dropped by kernel");
        assertThat(finding.details()).containsExactly(
                new Finding.Detail("location", java.util.List.of("nf_hook_slow+0x96")),
                new Finding.Detail("drop reason", java.util.List.of("NETFILTER_DROP")),
                new Finding.Detail("netfilter", java.util.List.of(
                        "table, chain and hook functions unknown: kprobes are off")),
                new Finding.Detail("network namespace", java.util.List.of("inode 1")));
        assertThat(finding.advice()).get().asString().contains("netfilter rule");
    }

    @Test
    void aDropTheKernelMeansToMakeIsOnlyInformation() {
        Finding ping = evaluate(DROP, event(4, 1, SkbEvent.HAS_REASON, 3, 0xffffffff82000010L)).orElseThrow();
        assertThat(ping.level()).isEqualTo(Rule.Level.INFO);
        assertThat(ping.message()).contains("raw socket");
        Finding udp = evaluate(DROP, event(4, 1, SkbEvent.HAS_REASON, 3, 0xffffffff82000410L)).orElseThrow();
        assertThat(udp.level()).isEqualTo(Rule.Level.ERROR);
        assertThat(udp.advice()).get().asString().contains("nothing listens");
    }

    @Test
    void aResetNamesTheKernelsReason() {
        assertThat(evaluate(RESET, event(5, 1, SkbEvent.RESET_REASON, 2, 0))).get().extracting(Finding::message)
                .isEqualTo("connection reset initiated by transport layer (reason: NO_SOCKET)");
        assertThat(evaluate(RESET, event(5, 1, 0, 0, 0))).get().extracting(Finding::message)
                .isEqualTo("connection reset initiated by transport layer");
    }

    @Test
    void netfilterVerdictsAreReadWithTheirErrnoAndStolenDrops() {
        assertThat(Diagnosis.verdict(0)).isZero();
        assertThat(Diagnosis.verdict(1)).isEqualTo(1);
        assertThat(Diagnosis.verdict(0x10000)).as("NF_DROP_ERR(-EPERM)").isZero();
        assertThat(Diagnosis.verdict(0x10002)).as("NF_DROP_REASON: freed and stolen, with EPERM").isZero();
        assertThat(Diagnosis.verdict(2)).as("plainly stolen").isEqualTo(2);
    }
}
