package nettrace.diag;

import static nettrace.testing.Events.at;
import static nettrace.testing.Events.rule;
import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import nettrace.event.Location;
import nettrace.event.Outcome;
import nettrace.event.SkbEvent;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

/** One event's finding: rules on return values, a drop's reason, location and advice, a reset's reason. */
class DiagnosisTest {
    private static final Tracer XMIT = tracer("__dev_queue_xmit", "link-out", Analyzer.RET,
            rule("ret != 0", Rule.Level.ERROR, "failed to queue packet to qdisc", null));
    private static final Tracer XDP = tracer("netif_receive_generic_xdp", "link-in", Analyzer.RET,
            rule("ret == 1", Rule.Level.ERROR, "packet is dropped by XDP program", "check your XDP program"),
            rule("ret == 3", Rule.Level.INFO, "packet is transmitted by XDP program", null));
    private static final Tracer LISTENER = tracer("__inet_lookup_listener", "tcp-in", Analyzer.RET,
            rule("ret == NULL", Rule.Level.WARN, "tcp port is not listened", "check your target tcp port"));
    private static final Tracer BACKLOG = tracer("below", "x", Analyzer.RET,
            rule("ret < 0", Rule.Level.ERROR, "negative", null));
    private static final Tracer DROP = Events.KFREE_SKB;
    private static final Tracer RESET = tracer("tcp_v4_send_reset", "tcp-in", Analyzer.RESET,
            rule("any", Rule.Level.ERROR, "connection reset initiated by transport layer", null));

    private final Diagnosis diagnosis = new Diagnosis(DropAdvice.load(), Optional.of("kprobes are off"), true,
            new Handshakes());

    private Optional<Finding> evaluate(SkbEvent event) {
        return diagnosis.evaluate(event);
    }

    private static SkbEvent returning(Tracer tracer, long value) {
        return at(tracer).returned(value).build();
    }

    private static SkbEvent dropped(String reason, String function, long offset) {
        return at(DROP).outcome(new Outcome.Dropped(reason, new Location(function, offset, 0))).build();
    }

    @Test
    void returnValueRulesFireOnlyWhenTheirConditionHolds() {
        assertThat(evaluate(returning(XMIT, 0))).isEmpty();
        assertThat(evaluate(returning(XMIT, -105))).get().extracting(Finding::level, Finding::message)
                .containsExactly(Rule.Level.ERROR, "failed to queue packet to qdisc");
        assertThat(evaluate(returning(XDP, 3))).get().extracting(Finding::level).isEqualTo(Rule.Level.INFO);
        assertThat(evaluate(returning(XDP, 1))).get().extracting(Finding::advice)
                .isEqualTo(Optional.of("check your XDP program"));
        assertThat(evaluate(returning(LISTENER, 0))).get().extracting(Finding::level).isEqualTo(Rule.Level.WARN);
    }

    @Test
    void lessThanMeansLessThan() {
        assertThat(evaluate(returning(BACKLOG, -1))).isPresent();
        assertThat(evaluate(returning(BACKLOG, 1))).isEmpty();
    }

    @Test
    void aReturnValueRuleNeverFiresWithoutAReturnValue() {
        assertThat(evaluate(at(XMIT).build())).isEmpty();
    }

    @Test
    void aDropCarriesItsLocationReasonNamespaceAndAdviceForThatNamespace() {
        Finding finding = evaluate(dropped("NETFILTER_DROP", "nf_hook_slow", 0x96)).orElseThrow();
        assertThat(finding.level()).isEqualTo(Rule.Level.ERROR);
        assertThat(finding.message()).isEqualTo("packet is dropped by kernel");
        assertThat(finding.details()).containsExactly(
                new Finding.Detail("location", List.of("nf_hook_slow+0x96")),
                new Finding.Detail("drop reason", List.of("NETFILTER_DROP")),
                new Finding.Detail("netfilter", List.of("table, chain and hook functions unknown: kprobes are off")),
                new Finding.Detail("network namespace", List.of("ns-a")));
        assertThat(finding.advice()).get().asString().contains("`ip netns exec ns-a nft list ruleset`");
    }

    @Test
    void aDropTheKernelMeansToMakeIsOnlyInformation() {
        Finding ping = evaluate(dropped("NO_SOCKET", "ping_rcv", 0x10)).orElseThrow();
        assertThat(ping.level()).isEqualTo(Rule.Level.INFO);
        assertThat(ping.message()).contains("raw socket");
        Finding udp = evaluate(dropped("NO_SOCKET", "__udp4_lib_rcv", 0x10)).orElseThrow();
        assertThat(udp.level()).isEqualTo(Rule.Level.ERROR);
        assertThat(udp.advice()).get().asString().contains("nothing listens");
    }

    @Test
    void aFunctionCloneIsAdvisedLikeTheFunction() {
        Finding hopLimit = evaluate(dropped("IP_INHDR", "ip6_forward.isra.0", 0xaa9)).orElseThrow();
        assertThat(hopLimit.advice()).get().asString().contains("hop limit").doesNotContain("IPv4");
    }

    @Test
    void aResetNamesTheKernelsReason() {
        assertThat(evaluate(at(RESET).outcome(new Outcome.ResetSent("NO_SOCKET")).build())).get()
                .extracting(Finding::message)
                .isEqualTo("connection reset initiated by transport layer (reason: NO_SOCKET)");
        assertThat(evaluate(at(RESET).build())).get().extracting(Finding::message)
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
