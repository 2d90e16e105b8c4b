package nettrace.probe;

import static org.assertj.core.api.Assertions.assertThat;

import nettrace.kernel.Btf;
import nettrace.testing.BpfObjectFile;
import org.junit.jupiter.api.Test;

/**
 * The two builds of the tracer's BPF object: the one that reads packet bytes through
 * bpf_rdonly_cast is picked only for a kernel whose own BTF has that kfunc, and it holds the
 * same programs, so any plan runs on either.
 */
class ObjectChoiceTest {
    private static final Btf HELPERS_ONLY = BpfObjectFile.btf(ProbeSet.OBJECT_RESOURCE);
    /** Its BTF declares the kfunc it calls, as a kernel's that has it does. */
    private static final Btf WITH_CAST = BpfObjectFile.btf(ProbeSet.CAST_OBJECT_RESOURCE);

    @Test
    void theCastBuildIsForAKernelWhoseOwnBtfHasTheKfunc() {
        assertThat(ProbeSet.objectFor(WITH_CAST, true)).isEqualTo(ProbeSet.CAST_OBJECT_RESOURCE);
        assertThat(ProbeSet.objectFor(HELPERS_ONLY, true)).isEqualTo(ProbeSet.OBJECT_RESOURCE);
    }

    @Test
    void aBtfFileGivenWithBtfPathNeverPicksTheCastBuild() {
        assertThat(ProbeSet.objectFor(WITH_CAST, false)).isEqualTo(ProbeSet.OBJECT_RESOURCE);
    }

    @Test
    void bothBuildsHoldTheSamePrograms() {
        assertThat(WITH_CAST.names(Btf.Kind.FUNC)).containsAll(HELPERS_ONLY.names(Btf.Kind.FUNC))
                .hasSize(HELPERS_ONLY.names(Btf.Kind.FUNC).size() + 1)
                .contains("bpf_rdonly_cast");
    }
}
