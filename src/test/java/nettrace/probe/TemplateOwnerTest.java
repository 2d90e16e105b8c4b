package nettrace.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import nettrace.bpf.TracerFlags;
import org.junit.jupiter.api.Test;

/**
 * Which tracer a template shared by several is loaded as: its clones take its list of functions,
 * so it must be one whose flags keep every subprogram the others reach (a matcher decides the
 * filter, a tracer whose headers are written parses them), or none.
 */
class TemplateOwnerTest {
    private static final int MATCHER = TracerFlags.TRACER_MATCHER;
    private static final int UNWRITTEN = TracerFlags.TRACER_HEADERS_UNWRITTEN;
    private static final int FREE = TracerFlags.TRACER_FREE;
    private static final int CLONE = TracerFlags.TRACER_CLONE;

    private static long identity(int id, int flags) {
        return (long) flags << 32 | id;
    }

    @Test
    void tracersWithTheSameFlagsGiveItToTheFirst() {
        assertThat(ProbeSet.ownerAmong(List.of("a", "b"), new long[] {identity(1, FREE), identity(2, FREE)}))
                .isEqualTo("a");
    }

    @Test
    void otherwiseAMatcherWhoseHeadersAreWrittenTakesIt() {
        long[] identities = {identity(1, UNWRITTEN | MATCHER), identity(2, FREE), identity(3, MATCHER | CLONE),
                identity(4, MATCHER)};
        assertThat(ProbeSet.ownerAmong(List.of("a", "b", "c", "d"), identities)).isEqualTo("c");
    }

    @Test
    void flagsThatChooseOnlyBranchesDoNotMatter() {
        assertThat(ProbeSet.ownerAmong(List.of("a", "b"), new long[] {identity(1, FREE), identity(2, CLONE)}))
                .isEqualTo("a");
    }

    @Test
    void whenNoTracerReachesWhatTheOthersDoTheTemplateKeepsItsPlaceholder() {
        // one parses but never decides the filter, the other decides it on unwritten headers
        long[] identities = {identity(1, 0), identity(2, MATCHER | UNWRITTEN)};
        assertThat(ProbeSet.ownerAmong(List.of("a", "b"), identities)).isNull();
    }
}
