package nettrace.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import nettrace.bpf.TracerFlags;
import nettrace.config.Config;
import nettrace.config.Mode;
import nettrace.config.PacketFilter;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Mechanism;
import nettrace.tracer.TracerTree;
import org.junit.jupiter.api.Test;

class TracerIdentityTest {
    private static final TracerTree TREE = TracerTree.load();

    private static AttachPlan.Planned planned(String tracer) {
        return new AttachPlan.Planned(TREE.tracer(tracer).orElseThrow(), 7, Mechanism.TRACEPOINT, tracer, 0,
                Optional.empty(), 0, false);
    }

    private static int flags(String tracer, Config config) {
        return (int) (TracerIdentity.of(planned(tracer), config) >>> 32);
    }

    private static boolean matcher(String tracer, Config config) {
        return (flags(tracer, config) & TracerFlags.TRACER_MATCHER) != 0;
    }

    @Test
    void aNormalFreeStartsNoLifeWhereLivesAreFollowed() {
        Config lifecycle = Config.of(Mode.LIFECYCLE, PacketFilter.NONE);
        assertThat(matcher("consume_skb", lifecycle)).isFalse();
        assertThat(flags("consume_skb", lifecycle) & TracerFlags.TRACER_FREE).isNotZero();
        assertThat(matcher("consume_skb", Config.of(Mode.DIAG, PacketFilter.NONE))).isFalse();
    }

    @Test
    void dropsAndPlainHitsStillStartLives() {
        Config lifecycle = Config.of(Mode.LIFECYCLE, PacketFilter.NONE);
        assertThat(matcher("kfree_skb", lifecycle)).isTrue();
        assertThat(matcher("netif_receive_skb", lifecycle)).isTrue();
    }

    @Test
    void aFunctionThatWritesItsPacketsHeadersIsNotParsedAtItsEntry() {
        Config lifecycle = Config.of(Mode.LIFECYCLE, PacketFilter.NONE);
        assertThat(flags("udp_send_skb", lifecycle) & TracerFlags.TRACER_HEADERS_UNWRITTEN).isNotZero();
        assertThat(flags("__ip_local_out", lifecycle) & TracerFlags.TRACER_HEADERS_UNWRITTEN).isZero();
    }

    @Test
    void everyTracerReportsInModesThatDoNotFollowSkbs() {
        Config basic = Config.of(Mode.BASIC, PacketFilter.NONE);
        assertThat(matcher("consume_skb", basic)).isTrue();
        assertThat(matcher("kfree_skb", basic)).isTrue();
    }

    @Test
    void traceMatcherDecidesWhenGiven() {
        Config base = Config.of(Mode.LIFECYCLE, PacketFilter.NONE);
        Config.TracerSelection named = new Config.TracerSelection(List.of(), List.of(), Optional.empty(), false,
                List.of("consume_skb"), List.of(), false, List.of());
        Config config = new Config(base.mode(), base.filter(), named, base.output(), base.diag(), base.modes(),
                base.count(), base.duration(), base.command(), base.btfPath(), base.verbosity(), base.reading());
        assertThat(matcher("consume_skb", config)).isTrue();
        assertThat(matcher("kfree_skb", config)).isFalse();
    }
}
