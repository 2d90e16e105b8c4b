package nettrace.monitor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class NamespaceRetirementTest {
    private static final long MINUTE = 60_000;

    @Test
    void aNamespaceGoneAtTwoChecksInARowIsLetGo() {
        NamespaceRetirement retirement = new NamespaceRetirement(5 * MINUTE, 0);
        Set<Long> counted = Set.of(0L, 10L, 11L, 12L);
        assertThat(retirement.due(MINUTE, counted, () -> Set.of())).as("not yet an interval").isEmpty();
        assertThat(retirement.due(5 * MINUTE, counted, () -> Set.of(10L))).as("gone once: 11 and 12").isEmpty();
        assertThat(retirement.due(7 * MINUTE, counted, () -> Set.of(10L))).as("checked again too soon").isEmpty();
        assertThat(retirement.due(10 * MINUTE, counted, () -> Set.of(10L, 12L)))
                .as("11 gone twice; 12 came back; 0 is the kernel's \"no namespace\"").containsExactly(11L);
        assertThat(retirement.due(15 * MINUTE, Set.of(10L, 12L), () -> Set.of(10L))).isEmpty();
    }
}
