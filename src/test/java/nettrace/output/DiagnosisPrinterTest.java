package nettrace.output;

import static nettrace.testing.Events.event;
import static nettrace.testing.Events.rule;
import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import nettrace.diag.DiagnosedLife;
import nettrace.diag.Finding;
import nettrace.diag.Verdict;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

class DiagnosisPrinterTest {
    private static final Tracer HOOK = tracer("nf_hook_slow", "netfilter", Analyzer.NF);
    private static final Tracer DROP = tracer("kfree_skb", "life", Analyzer.DROP);
    private static final AttachPlan PLAN = Events.plan(HOOK, DROP);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    private final DiagnosisPrinter printer = new DiagnosisPrinter(console, new EventFormatter(PLAN,
            new DropReasons(Map.of(), Map.of()), () -> KernelSymbols.parse(""), false, false, true),
            new LatencyView(false, false, 0));

    private DiagnosedLife life(List<DiagnosedLife.Entry> entries) {
        return life(entries, Verdict.ERROR, "dropped");
    }

    private DiagnosedLife life(List<DiagnosedLife.Entry> entries, Verdict verdict, String reason) {
        List<nettrace.lifecycle.SkbLife> done = new java.util.ArrayList<>();
        var collecting = new nettrace.lifecycle.LifecycleTracker(done::add, 0);
        entries.forEach(entry -> collecting.accept(entry.event()));
        collecting.finish();
        return new DiagnosedLife(done.getFirst(), entries, verdict, reason);
    }

    private String printed() {
        console.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theAnalysisReadsLikeTheSpecification() {
        Finding netfilter = new Finding(Rule.Level.ERROR, "packet is dropped by netfilter (NF_DROP)",
                Optional.of("check your netfilter rule"), List.of(new Finding.Detail(
                        "following hook functions are blamed", List.of("nft_do_chain_ipv4", "ipv4_conntrack_in"))));
        Finding kernel = new Finding(Rule.Level.ERROR, "packet is dropped by kernel", Optional.empty(), List.of(
                new Finding.Detail("location", List.of("nf_hook_slow+0x96")),
                new Finding.Detail("drop reason", List.of("NETFILTER_DROP"))));
        SkbEvent hook = event(0, 1_000_001_000L, SkbEvent.HAS_RETURN | SkbEvent.LIFE_NEW, -1, 0);
        SkbEvent drop = event(1, 1_000_002_000L, SkbEvent.LIFE_END, 0, 0);
        printer.print(life(List.of(new DiagnosedLife.Entry(hook, "nf_hook_slow", "netfilter", List.of(netfilter)),
                new DiagnosedLife.Entry(drop, "kfree_skb", "life", List.of(kernel)))), true);
        assertThat(printed()).isEqualTo("""
                ***************** ffff888000001000 ***************
                [1.000001] [nf_hook_slow        ] ICMP: 10.0.0.1 -> 10.0.0.2 ping request, seq: 1, id: 7 \
                *return: -1* *packet is dropped by netfilter (NF_DROP)*
                [1.000002] [kfree_skb           ] ICMP: 10.0.0.1 -> 10.0.0.2 ping request, seq: 1, id: 7 \
                *reason: unknown* *packet is dropped by kernel*
                ---------------- ANALYSIS RESULT ---------------------
                [1] ERROR happens in nf_hook_slow(netfilter):
                        packet is dropped by netfilter (NF_DROP)

                    following hook functions are blamed:
                        nft_do_chain_ipv4
                        ipv4_conntrack_in

                    fix advice:
                        check your netfilter rule

                [2] ERROR happens in kfree_skb(life):
                        packet is dropped by kernel
                    location:
                        nf_hook_slow+0x96
                    drop reason:
                        NETFILTER_DROP

                analysis finished!

                """);
    }

    @Test
    void aCleanLifeIsAGoodPacket() {
        Finding freed = new Finding(Rule.Level.INFO, "packet is freed (normally)", Optional.empty(), List.of());
        SkbEvent consume = event(1, 5_000_000L, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END, 0, 0);
        printer.print(life(List.of(new DiagnosedLife.Entry(consume, "kfree_skb", "life", List.of(freed))),
                Verdict.GOOD, "consumed normally"), false);
        assertThat(printed()).endsWith("*packet is freed (normally)*\nthis is a good packet!\n\n")
                .doesNotContain("ANALYSIS RESULT");
    }

    @Test
    void aLifeWhoseEndWasNotSeenIsNeverCalledGood() {
        SkbEvent seen = event(1, 5_000_000L, SkbEvent.LIFE_NEW, 0, 0);
        printer.print(life(List.of(new DiagnosedLife.Entry(seen, "kfree_skb", "life", List.of())),
                Verdict.UNKNOWN, "no end seen: tracing stopped before this skb was freed"), false);
        assertThat(printed()).endsWith("(no end seen: tracing stopped before this skb was freed)\n"
                + "this packet's fate is unknown: no end seen: tracing stopped before this skb was freed\n\n")
                .doesNotContain("good packet");
    }

    @Test
    void twoFindingsOnOneEventAreBothShown() {
        Finding nat = new Finding(Rule.Level.INFO, "DNAT 10.0.0.2:8080 -> 10.0.1.2:80 at kfree_skb", Optional.empty(),
                List.of());
        Finding drop = new Finding(Rule.Level.ERROR, "packet is dropped by kernel", Optional.empty(), List.of());
        SkbEvent event = event(1, 5_000_000L, SkbEvent.LIFE_NEW | SkbEvent.LIFE_END, 0, 0);
        printer.print(life(List.of(new DiagnosedLife.Entry(event, "kfree_skb", "life", List.of(drop, nat)))), false);
        assertThat(printed()).contains("*packet is dropped by kernel* *DNAT 10.0.0.2:8080 -> 10.0.1.2:80 at kfree_skb*")
                .contains("[1] ERROR happens in kfree_skb(life):").doesNotContain("[2]");
    }
}
