package nettrace.diag;

import static nettrace.testing.Events.rule;
import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import nettrace.event.Netfilter;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.kernel.DropReasons;
import nettrace.kernel.KernelSymbols;
import nettrace.kernel.NetworkNamespaces;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.lifecycle.SkbLife;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

/** Whole lives judged: what is told of NAT and retransmitted SYNs, one ERROR per drop, and the verdict. */
class LifeDiagnosisTest {
    private static final KernelSymbols SYMBOLS = KernelSymbols.parse("""
            ffffffff81000000 T nft_do_chain
            ffffffff81001000 T tcp_rcv_state_process
            ffffffff81002000 T ping_rcv
            ffffffff81003000 T icmp_rcv
            """);
    private static final long IN_NFT = 0xffffffff81000010L;
    private static final long IN_TCP = 0xffffffff81001010L;
    private static final long IN_PING = 0xffffffff81002010L;
    private static final long IN_ICMP = 0xffffffff81003010L;
    private static final DropReasons REASONS = new DropReasons(Map.of(3L, "SKB_DROP_REASON_NO_SOCKET",
            12L, "SKB_DROP_REASON_NETFILTER_DROP"), Map.of(), Map.of(1L, "SK_RST_REASON_NO_SOCKET"));

    private static final Tracer QUEUE = tracer("net_dev_queue", "link-out", Analyzer.DEFAULT);
    private static final Tracer NFT = tracer("nft_do_chain", "netfilter-base", Analyzer.IPTABLE,
            rule("ret == 0", Rule.Level.ERROR, "packet is dropped by iptables/iptables-nft", "check your iptables rule"));
    private static final Tracer RESET = tracer("tcp_send_reset", "tcp-in", Analyzer.RESET,
            rule("any", Rule.Level.ERROR, "connection reset initiated by transport layer", null));
    private static final Tracer CONSUME = tracer("consume_skb", "life", Analyzer.FREE,
            rule("any", Rule.Level.INFO, "packet is freed (normally)", null));
    private static final Tracer DROP = tracer("kfree_skb", "life", Analyzer.DROP,
            rule("any", Rule.Level.ERROR, "packet is dropped by kernel", null));
    private static final AttachPlan PLAN = Events.plan(QUEUE, NFT, RESET, CONSUME, DROP);
    private static final int Q = 0;
    private static final int N = 1;
    private static final int R = 2;
    private static final int C = 3;
    private static final int D = 4;

    private static final Packet SYN = tcp(0x0a000001L, 40000, 0x0a0000feL, 8080, Packet.TCP_SYN, 1000, 0);
    private static final Packet SYN_NATED = tcp(0x0a000001L, 40000, 0x0a000101L, 80, Packet.TCP_SYN, 1000, 0);
    private static final Packet SYN_ACK = tcp(0x0a0000feL, 8080, 0x0a000001L, 40000,
            Packet.TCP_SYN | Packet.TCP_ACK, 5000, 1001);

    private final Handshakes handshakes = new Handshakes();
    private final Diagnosis diagnosis = new Diagnosis(PLAN, REASONS, () -> SYMBOLS, DropAdvice.load(),
            Optional.empty(), false, new NetworkNamespaces(), handshakes);

    private static Packet tcp(long source, int sourcePort, long destination, int destinationPort, int flags,
            long sequence, long acknowledgement) {
        return new Packet(Packet.ETH_P_IP, Packet.IPPROTO_TCP, source << 32, 0, destination << 32, 0, sourcePort,
                destinationPort, sequence, acknowledgement, flags, 60, 0, 0, 0, 0, 0, 0, 0);
    }

    private static SkbEvent event(long skb, int tracer, long time, int flags, long result, long argument,
            Packet packet) {
        return new SkbEvent(time, skb, argument, result, tracer, flags, 0, 1, 1, 1, "", "", packet, -1, null, null,
                skb << 8, 7, null);
    }

    private static SkbEvent netfilterEvent(long skb, long time, long verdict) {
        return new SkbEvent(time, skb, 0, verdict, N, SkbEvent.HAS_RETURN, 0, 1, 1, 1, "", "", SYN_NATED, -1,
                new Netfilter(Netfilter.Source.NFTABLES, 2, Netfilter.NFPROTO_INET, "filter", "forward", List.of()),
                null, skb << 8, 7, null);
    }

    /** The lives these events make, in order, each diagnosed. */
    private List<DiagnosedLife> diagnose(SkbEvent... events) {
        List<SkbLife> lives = new ArrayList<>();
        LifecycleTracker tracker = new LifecycleTracker(lives::add, 0);
        EventSinkFeed.feed(handshakes, tracker, events);
        tracker.finish();
        return lives.stream().map(diagnosis::diagnose).toList();
    }

    /** Events pass the handshake watch first, as in a run. */
    private static final class EventSinkFeed {
        static void feed(Handshakes handshakes, LifecycleTracker tracker, SkbEvent... events) {
            var sink = handshakes.inFrontOf(tracker);
            for (SkbEvent event : events) {
                sink.accept(event);
            }
        }
    }

    private static List<Finding> findings(DiagnosedLife life, Rule.Level level) {
        return life.entries().stream().flatMap(entry -> entry.findings().stream())
                .filter(finding -> finding.level() == level).toList();
    }

    @Test
    void aLifeWhoseEndWasNotSeenIsUnknownNeverGood() {
        DiagnosedLife life = diagnose(event(1, Q, 100, SkbEvent.LIFE_NEW, 0, 0, Events.PING)).getFirst();
        assertThat(life.life().ending()).isEqualTo(SkbLife.Ending.UNFINISHED);
        assertThat(life.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(life.verdictReason()).isEqualTo("no end seen: tracing stopped before this skb was freed");
    }

    @Test
    void onlyALifeSeenConsumedIsGood() {
        DiagnosedLife life = diagnose(event(1, Q, 100, SkbEvent.LIFE_NEW, 0, 0, Events.PING),
                event(1, C, 200, SkbEvent.LIFE_END, 0, IN_ICMP, Events.PING)).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.GOOD);
    }

    @Test
    void aDropTheKernelMeansIsExpectedNotGood() {
        DiagnosedLife life = diagnose(event(1, Q, 100, SkbEvent.LIFE_NEW, 0, 0, Events.PING),
                event(1, D, 200, SkbEvent.LIFE_END | SkbEvent.HAS_REASON, 3, IN_PING, Events.PING)).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.EXPECTED);
        assertThat(life.verdictReason()).startsWith("packet is dropped by kernel as expected");
    }

    @Test
    void aNetfilterDropIsOneErrorThatNamesTheTableAndChainAndTheNatOnTheWay() {
        DiagnosedLife life = diagnose(event(1, Q, 100, SkbEvent.LIFE_NEW, 0, 0, SYN),
                netfilterEvent(1, 200, 0),
                event(1, D, 300, SkbEvent.LIFE_END | SkbEvent.HAS_REASON, 12, IN_NFT, SYN_NATED)).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.ERROR);
        List<Finding> errors = findings(life, Rule.Level.ERROR);
        assertThat(errors).singleElement().satisfies(drop -> {
            assertThat(drop.message()).isEqualTo("packet is dropped by kernel");
            assertThat(drop.details()).contains(new Finding.Detail(OneErrorPerDrop.NETFILTER_VERDICT,
                    List.of("packet is dropped by iptables/iptables-nft (table filter, chain forward)")));
        });
        assertThat(findings(life, Rule.Level.INFO)).extracting(Finding::message)
                .contains("DNAT 10.0.0.254:8080 -> 10.0.1.1:80 at nft_do_chain");
    }

    @Test
    void aResetSentBeforeTheDropIsAWarningBesideTheDropsError() {
        DiagnosedLife life = diagnose(event(1, Q, 100, SkbEvent.LIFE_NEW, 0, 0, SYN),
                event(1, R, 200, SkbEvent.RESET_REASON, 1, 0, SYN),
                event(1, D, 300, SkbEvent.LIFE_END | SkbEvent.HAS_REASON, 3, IN_TCP, SYN)).getFirst();
        assertThat(findings(life, Rule.Level.ERROR)).hasSize(1);
        assertThat(findings(life, Rule.Level.WARN)).extracting(Finding::message)
                .containsExactly("connection reset initiated by transport layer (reason: NO_SOCKET)");
    }

    @Test
    void aSynSentAgainWithoutAnAnswerIsAWarningAndNoneOfItsCopiesIsGood() {
        List<DiagnosedLife> lives = diagnose(event(1, Q, 100, SkbEvent.LIFE_NEW, 0, 0, SYN),
                event(1, C, 200, SkbEvent.LIFE_END, 0, IN_TCP, SYN),
                event(2, Q, 1_000_000_100L, SkbEvent.LIFE_NEW, 0, 0, SYN),
                event(2, C, 1_000_000_200L, SkbEvent.LIFE_END, 0, IN_TCP, SYN));
        assertThat(lives).hasSize(2);
        assertThat(lives.getFirst().verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(lives.getFirst().verdictReason()).contains("no SYN-ACK answering it was seen");
        assertThat(lives.getLast().verdict()).isEqualTo(Verdict.WARN);
        assertThat(findings(lives.getLast(), Rule.Level.WARN)).extracting(Finding::message)
                .containsExactly("SYN retransmitted, unanswered: the listener's accept queue is full, or the reply"
                        + " was lost");
    }

    @Test
    void anAnsweredSynIsGood() {
        List<DiagnosedLife> lives = diagnose(event(1, Q, 100, SkbEvent.LIFE_NEW, 0, 0, SYN),
                event(1, C, 200, SkbEvent.LIFE_END, 0, IN_TCP, SYN),
                event(3, Q, 300, SkbEvent.LIFE_NEW, 0, 0, SYN_ACK),
                event(3, C, 400, SkbEvent.LIFE_END, 0, IN_TCP, SYN_ACK));
        assertThat(lives.getFirst().verdict()).isEqualTo(Verdict.GOOD);
    }
}
