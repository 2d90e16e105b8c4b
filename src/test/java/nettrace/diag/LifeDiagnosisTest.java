package nettrace.diag;

import static nettrace.bpf.EventFlags.EVENT_LIFE_END;
import static nettrace.bpf.EventFlags.EVENT_LIFE_NEW;
import static nettrace.testing.Events.at;
import static nettrace.testing.Events.rule;
import static nettrace.testing.Events.tracer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import nettrace.event.Location;
import nettrace.event.Netfilter;
import nettrace.event.Outcome;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.lifecycle.LifecycleTracker;
import nettrace.lifecycle.SkbLife;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

/** Whole lives judged: what is told of NAT and retransmitted SYNs, one ERROR per drop, and the verdict. */
class LifeDiagnosisTest {
    private static final Location IN_NFT = new Location("nft_do_chain", 0x10, 0);
    private static final Location IN_TCP = new Location("tcp_rcv_state_process", 0x10, 0);
    private static final Location IN_PING = new Location("ping_rcv", 0x10, 0);
    private static final Location IN_ICMP = new Location("icmp_rcv", 0x10, 0);

    private static final Tracer QUEUE = tracer("net_dev_queue", "link-out", Analyzer.DEFAULT);
    private static final Tracer NFT = tracer("nft_do_chain", "netfilter-base", Analyzer.IPTABLE,
            rule("ret == 0", Rule.Level.ERROR, "packet is dropped by iptables/iptables-nft", "check your iptables rule"));
    private static final Tracer RESET = tracer("tcp_send_reset", "tcp-in", Analyzer.RESET,
            rule("any", Rule.Level.ERROR, "connection reset initiated by transport layer", null));
    private static final Tracer CONSUME = Events.CONSUME_SKB;
    private static final Tracer DROP = Events.KFREE_SKB;

    private static final Packet SYN = tcp(0x0a000001L, 40000, 0x0a0000feL, 8080, Packet.TCP_SYN, 1000, 0);
    private static final Packet SYN_NATED = tcp(0x0a000001L, 40000, 0x0a000101L, 80, Packet.TCP_SYN, 1000, 0);
    private static final Packet SYN_ACK = tcp(0x0a0000feL, 8080, 0x0a000001L, 40000,
            Packet.TCP_SYN | Packet.TCP_ACK, 5000, 1001);

    private final Handshakes handshakes = new Handshakes();
    private final Diagnosis diagnosis = new Diagnosis(DropAdvice.load(), Optional.empty(), false, handshakes);

    private static Packet tcp(long source, int sourcePort, long destination, int destinationPort, int flags,
            long sequence, long acknowledgement) {
        return new Packet(Packet.ETH_P_IP, Packet.IPPROTO_TCP, source << 32, 0, destination << 32, 0, sourcePort,
                destinationPort, sequence, acknowledgement, flags, 60, 0, 0, 0, 0, 0, 0, 0);
    }

    private static SkbEvent event(long skb, Tracer tracer, long time, int flags, Outcome outcome, Packet packet) {
        return at(tracer).skb(skb).time(time).flags(flags).outcome(outcome).packet(packet).build();
    }

    private static SkbEvent passes(long skb, long time, int flags, Packet packet) {
        return event(skb, QUEUE, time, flags, null, packet);
    }

    private static SkbEvent consumed(long skb, long time, Location where, Packet packet) {
        return event(skb, CONSUME, time, EVENT_LIFE_END, new Outcome.Consumed(where), packet);
    }

    private static SkbEvent dropped(long skb, long time, String reason, Location where, Packet packet) {
        return event(skb, DROP, time, EVENT_LIFE_END, new Outcome.Dropped(reason, where), packet);
    }

    private static SkbEvent netfilterEvent(long skb, long time, long verdict) {
        SkbEvent plain = at(NFT).skb(skb).time(time).returned(verdict).packet(SYN_NATED).build();
        return new SkbEvent(plain.timestamp(), plain.skb(), plain.tracer(), plain.flags(), 0, 1, plain.netns(), 0, "",
                "", plain.packet(), null, plain.head(), plain.fingerprint(), plain.result(), null,
                new Netfilter(Netfilter.Source.NFTABLES, 2, Netfilter.NFPROTO_INET, "filter", "forward", List.of()),
                null, List.of(), null);
    }

    /** The lives these events make, in order, each diagnosed; events pass the handshake watch first, as in a run. */
    private List<DiagnosedLife> diagnose(SkbEvent... events) {
        List<SkbLife> lives = new ArrayList<>();
        LifecycleTracker tracker = new LifecycleTracker(lives::add, 0);
        var sink = handshakes.inFrontOf(tracker);
        for (SkbEvent event : events) {
            sink.accept(event);
        }
        tracker.finish();
        return lives.stream().map(diagnosis::diagnose).toList();
    }

    private static List<Finding> findings(DiagnosedLife life, Rule.Level level) {
        return life.entries().stream().flatMap(entry -> entry.findings().stream())
                .filter(finding -> finding.level() == level).toList();
    }

    @Test
    void aLifeWhoseEndWasNotSeenIsUnknownNeverGood() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, Events.PING)).getFirst();
        assertThat(life.life().ending()).isEqualTo(SkbLife.Ending.UNFINISHED);
        assertThat(life.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(life.verdictReason()).isEqualTo("no end seen: tracing stopped before this skb was freed");
    }

    @Test
    void onlyALifeSeenConsumedIsGood() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, Events.PING),
                consumed(1, 200, IN_ICMP, Events.PING)).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.GOOD);
    }

    @Test
    void aPacketConsumedIntoACopyWhoseFateWasNotSeenIsUnknownNeverGood() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, Events.PING),
                consumed(1, 200, new Location("skb_pp_cow_data", 0x37b, 0), Events.PING)).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(life.verdictReason()).contains("copy made at skb_pp_cow_data").contains("not seen");
        assertThat(life.entries().getLast().findings()).singleElement()
                .satisfies(finding -> assertThat(finding.message()).startsWith("packet is copied into a new skb"));
    }

    @Test
    void aDropTheKernelMeansIsExpectedNotGood() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, Events.PING),
                dropped(1, 200, "NO_SOCKET", IN_PING, Events.PING)).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.EXPECTED);
        assertThat(life.verdictReason()).startsWith("packet is dropped by kernel as expected");
    }

    @Test
    void aDropThatReadNoNamespaceIsPlacedWhereItsSkbWasLastSeen() {
        SkbEvent arrives = at(QUEUE).skb(1).time(100).flags(EVENT_LIFE_NEW).packet(SYN).device("veth-b").build();
        SkbEvent drop = at(DROP).skb(1).time(200).flags(EVENT_LIFE_END).packet(SYN)
                .netns(new Namespace(0, "unknown", "")).outcome(new Outcome.Dropped("TCP_INVALID_SEQUENCE",
                        new Location("tcp_validate_incoming", 0x16b, 0))).build();
        DiagnosedLife life = diagnose(arrives, drop).getFirst();
        assertThat(findings(life, Rule.Level.ERROR)).singleElement().satisfies(finding -> {
            assertThat(finding.details()).contains(new Finding.Detail("network namespace",
                    List.of(Events.NETNS.name() + ", device veth-b")));
            assertThat(finding.advice()).isPresent();
        });
    }

    @Test
    void anIcmpv6EchoRequestFreedWithoutReasonByIcmpv6RcvIsExpectedButNotAnyIcmpv6Message() {
        Location inIcmpv6 = new Location("icmpv6_rcv", 0x258, 0);
        Packet request = new Packet(Packet.ETH_P_IPV6, Packet.IPPROTO_ICMPV6, 0xfd00019800100000L, 1,
                0xfd00019800200000L, 1, 0, 0, 0, 0, 0, 104, 0, 128, 0, 7, 1, 0, 0);
        Packet unknownType = new Packet(Packet.ETH_P_IPV6, Packet.IPPROTO_ICMPV6, 0xfd00019800100000L, 1,
                0xfd00019800200000L, 1, 0, 0, 0, 0, 0, 104, 0, 200, 0, 0, 0, 0, 0);

        DiagnosedLife answered = diagnose(passes(1, 100, EVENT_LIFE_NEW, request),
                dropped(1, 200, "NOT_SPECIFIED", inIcmpv6, request)).getFirst();
        DiagnosedLife discarded = diagnose(passes(2, 100, EVENT_LIFE_NEW, unknownType),
                dropped(2, 200, "NOT_SPECIFIED", inIcmpv6, unknownType)).getFirst();

        Packet laterFragment = new Packet(Packet.ETH_P_IPV6, Packet.IPPROTO_ICMPV6, 0xfd00019800100000L, 1,
                0xfd00019800200000L, 1, 0, 0, 0, 0, 0, 1496, 0, 0, 0, 0, 0, 0, 0, 181, 77);
        DiagnosedLife fragmentOfAnswered = diagnose(passes(3, 100, EVENT_LIFE_NEW, laterFragment),
                event(3, DROP, 200, EVENT_LIFE_END, new Outcome.FreedWithParent(new Location("skb_release_data", 0x12a,
                        0), 4, new Outcome.Dropped("NOT_SPECIFIED", inIcmpv6), request), laterFragment)).getFirst();

        assertThat(fragmentOfAnswered.verdict()).as("judged by the datagram it was part of").isEqualTo(Verdict.EXPECTED);
        assertThat(answered.verdict()).isEqualTo(Verdict.EXPECTED);
        assertThat(answered.verdictReason()).contains("kernels before 6.3 free an ICMPv6 echo request they answered");
        assertThat(discarded.verdict()).isEqualTo(Verdict.ERROR);
        Packet advertisement = new Packet(Packet.ETH_P_IPV6, Packet.IPPROTO_ICMPV6, 0xfd00019800200000L, 0xfe,
                0xfd00019800200000L, 1, 0, 0, 0, 0, 0, 72, 0, 136, 0, 0, 0, 0, 0);
        assertThat(diagnose(passes(5, 100, EVENT_LIFE_NEW, advertisement), dropped(5, 200, "NOT_SPECIFIED", inIcmpv6,
                advertisement)).getFirst().verdict()).isEqualTo(Verdict.EXPECTED);
    }

    @Test
    void aDuplicateSegmentTcpDropsAsOldIsExpected() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, SYN_ACK),
                dropped(1, 200, "TCP_OLD_SEQUENCE", new Location("tcp_validate_incoming", 0x16b, 0), SYN_ACK))
                .getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.EXPECTED);
        assertThat(life.verdictReason()).contains("a duplicate of data the receiver already has");
    }

    private static final Location FRAG_LIST = new Location("skb_release_data", 0x165, 0);

    private static SkbEvent freedWithParent(long skb, long time, Outcome parentEnd) {
        return event(skb, DROP, time, EVENT_LIFE_END, new Outcome.FreedWithParent(FRAG_LIST, 9, parentEnd, Events.PING),
                Events.PING);
    }

    @Test
    void aFragmentFreedWithTheConsumedDatagramItWasReassembledIntoIsGoodWithoutAnError() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, Events.PING),
                freedWithParent(1, 200, new Outcome.Consumed(IN_ICMP))).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.GOOD);
        assertThat(life.verdictReason()).startsWith("freed with the packet it was part of");
        assertThat(life.entries()).allSatisfy(entry -> assertThat(entry.findings()).isEmpty());
    }

    @Test
    void aFragmentFreedWithAPacketWhoseEndWasNotSeenIsUnknown() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, Events.PING),
                freedWithParent(1, 200, null)).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(life.verdictReason()).contains("whose own end was not seen");
    }

    @Test
    void aFragmentFreedWithADroppedPacketIsThatDropsError() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, Events.PING),
                freedWithParent(1, 200, new Outcome.Dropped("NETFILTER_DROP", IN_NFT))).getFirst();
        assertThat(life.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(findings(life, Rule.Level.ERROR)).singleElement().satisfies(finding ->
                assertThat(finding.details()).anySatisfy(detail -> assertThat(detail.lines()).contains("NETFILTER_DROP")));
    }

    @Test
    void aNetfilterDropIsOneErrorThatNamesTheTableAndChainAndTheNatOnTheWay() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, SYN),
                netfilterEvent(1, 200, 0),
                dropped(1, 300, "NETFILTER_DROP", IN_NFT, SYN_NATED)).getFirst();
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
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, SYN),
                event(1, RESET, 200, 0, new Outcome.ResetSent("NO_SOCKET"), SYN),
                dropped(1, 300, "NO_SOCKET", IN_TCP, SYN)).getFirst();
        assertThat(findings(life, Rule.Level.ERROR)).hasSize(1);
        assertThat(findings(life, Rule.Level.WARN)).extracting(Finding::message)
                .containsExactly("connection reset initiated by transport layer (reason: NO_SOCKET)");
    }

    @Test
    void aSynSentAgainWithoutAnAnswerIsAWarningAndNoneOfItsCopiesIsGood() {
        List<DiagnosedLife> lives = diagnose(passes(1, 100, EVENT_LIFE_NEW, SYN), consumed(1, 200, IN_TCP, SYN),
                passes(2, 1_000_000_100L, EVENT_LIFE_NEW, SYN), consumed(2, 1_000_000_200L, IN_TCP, SYN));
        assertThat(lives).hasSize(2);
        assertThat(lives.getFirst().verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(lives.getFirst().verdictReason()).contains("no SYN-ACK answering it was seen");
        assertThat(lives.getLast().verdict()).isEqualTo(Verdict.WARN);
        assertThat(findings(lives.getLast(), Rule.Level.WARN)).extracting(Finding::message)
                .containsExactly("SYN retransmitted, unanswered: the listener's accept queue is full, or the reply"
                        + " was lost");
    }

    @Test
    void aSynWhoseFirstPointShowsNoHeadersYetIsStillJudgedAsTheSyn() {
        // with fentry, __ip_queue_xmit sees the skb before its IP header is built: an empty packet
        Packet unparsed = new Packet(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        List<DiagnosedLife> lives = diagnose(passes(1, 100, EVENT_LIFE_NEW, unparsed), passes(1, 150, 0, SYN),
                consumed(1, 200, IN_TCP, SYN), passes(2, 1_000_000_100L, EVENT_LIFE_NEW, unparsed),
                passes(2, 1_000_000_150L, 0, SYN), consumed(2, 1_000_000_200L, IN_TCP, SYN));
        assertThat(lives).extracting(DiagnosedLife::verdict).containsExactly(Verdict.UNKNOWN, Verdict.WARN);
        assertThat(findings(lives.getLast(), Rule.Level.WARN)).extracting(Finding::message)
                .containsExactly("SYN retransmitted, unanswered: the listener's accept queue is full, or the reply"
                        + " was lost");
    }

    @Test
    void aSynSentAgainAsANewCloneOfTcpsCopyIsAWarning() {
        DiagnosedLife life = diagnose(passes(1, 100, EVENT_LIFE_NEW, SYN),
                event(1, QUEUE, 110, 0, new Outcome.Cloned(2), SYN), passes(2, 120, 0, SYN),
                consumed(2, 130, IN_TCP, SYN),
                event(1, QUEUE, 1_000_000_110L, 0, new Outcome.Cloned(3), SYN), passes(3, 1_000_000_120L, 0, SYN),
                consumed(3, 1_000_000_130L, IN_TCP, SYN)).getFirst();
        assertThat(findings(life, Rule.Level.WARN)).extracting(Finding::message)
                .containsExactly("SYN retransmitted, unanswered: the listener's accept queue is full, or the reply"
                        + " was lost");
        assertThat(life.verdict()).isEqualTo(Verdict.WARN);
    }

    @Test
    void anAnsweredSynIsGood() {
        List<DiagnosedLife> lives = diagnose(passes(1, 100, EVENT_LIFE_NEW, SYN), consumed(1, 200, IN_TCP, SYN),
                passes(3, 300, EVENT_LIFE_NEW, SYN_ACK), consumed(3, 400, IN_TCP, SYN_ACK));
        assertThat(lives.getFirst().verdict()).isEqualTo(Verdict.GOOD);
    }
}
