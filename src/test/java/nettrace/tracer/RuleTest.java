package nettrace.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RuleTest {
    @Test
    void comparisonsMeanWhatTheySay() {
        assertThat(Rule.Condition.parse("ret < 0").test(-1)).isTrue();
        assertThat(Rule.Condition.parse("ret < 0").test(1)).isFalse();
        assertThat(Rule.Condition.parse("ret > 0").test(1)).isTrue();
        assertThat(Rule.Condition.parse("ret > 0").test(-1)).isFalse();
        assertThat(Rule.Condition.parse("ret <= 0").test(0)).isTrue();
        assertThat(Rule.Condition.parse("ret >= 2").test(1)).isFalse();
        assertThat(Rule.Condition.parse("ret != 0").test(0)).isFalse();
        assertThat(Rule.Condition.parse("ret == -1").test(-1)).isTrue();
        assertThat(Rule.Condition.parse("ret == NULL").test(0)).isTrue();
        assertThat(Rule.Condition.parse("ret == 0x10").test(16)).isTrue();
        assertThat(Rule.Condition.parse("any").test(12345)).isTrue();
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertThatThrownBy(() -> Rule.Condition.parse("ret =< 1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rule.Condition.parse("len > 1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rule.Condition.parse("ret > one")).isInstanceOf(IllegalArgumentException.class);
    }
}
