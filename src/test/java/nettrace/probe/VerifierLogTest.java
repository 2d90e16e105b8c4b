package nettrace.probe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VerifierLogTest {
    @Test
    void theFaultIsTheLineBeforeTheStatistics() {
        String log = """
                -- BEGIN PROG LOAD LOG --
                0: R1=ctx() R10=fp0
                ; return *(u64 *)0;
                0: (79) r0 = *(u64 *)(r1 +4096)
                invalid bpf_context access off=4096 size=8
                processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
                -- END PROG LOAD LOG --
                """;
        assertThat(VerifierLog.lastMeaningfulLine(log)).isEqualTo("invalid bpf_context access off=4096 size=8");
    }

    @Test
    void noLogNoLine() {
        assertThat(VerifierLog.lastMeaningfulLine("")).isEmpty();
        assertThat(VerifierLog.lastMeaningfulLine("processed 3 insns\n")).isEmpty();
    }
}
