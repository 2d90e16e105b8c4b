package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import nettrace.bpf.EventFlags;
import nettrace.config.PacketFilter;
import nettrace.event.EventSink;
import nettrace.event.Location;
import nettrace.event.Outcome;
import nettrace.event.SkbEvent;
import nettrace.testing.Events;
import nettrace.tracer.Analyzer;
import nettrace.tracer.Tracer;
import org.junit.jupiter.api.Test;

class ReplayFilterTest {
    private static final Tracer RECEIVE = Events.tracer("netif_receive_skb", "link", Analyzer.DEFAULT);
    private static final long OTHER_SKB = Events.SKB + 0x100;

    private static List<SkbEvent> replay(boolean followsSkb, SkbEvent... events) {
        List<SkbEvent> passed = new ArrayList<>();
        EventSink collect = new EventSink() {
            @Override
            public void accept(SkbEvent event) {
                passed.add(event);
            }

            @Override
            public long completed() {
                return passed.size();
            }
        };
        ReplayFilter filter = new ReplayFilter("skb", PacketFilter.NONE, followsSkb, collect);
        for (SkbEvent event : events) {
            filter.accept(event);
        }
        return passed;
    }

    private static SkbEvent freed(long skb) {
        return Events.at(Events.CONSUME_SKB).skb(skb).flags(EventFlags.EVENT_LIFE_END).build();
    }

    @Test
    void aNormalFreeOfAnSkbNotSeenBeforeStartsNoLife() {
        SkbEvent seen = Events.at(RECEIVE).skb(Events.SKB).build();

        assertThat(replay(true, seen, freed(Events.SKB), freed(OTHER_SKB)))
                .extracting(SkbEvent::skb).containsExactly(Events.SKB, Events.SKB);
    }

    @Test
    void aDropOfAnSkbNotSeenBeforeStartsALife() {
        SkbEvent dropped = Events.at(Events.KFREE_SKB).skb(OTHER_SKB).flags(EventFlags.EVENT_LIFE_END)
                .outcome(new Outcome.Dropped("NETFILTER_DROP", new Location("nft_do_chain", 0x40, 0))).build();

        assertThat(replay(true, dropped)).containsExactly(dropped);
    }

    @Test
    void everyFreeIsReplayedWhereSkbsAreNotFollowed() {
        assertThat(replay(false, freed(OTHER_SKB))).hasSize(1);
    }
}
