package nettrace.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import nettrace.testing.InProcess;
import org.junit.jupiter.api.Test;

/**
 * A record made on another machine replays here, without root or BPF: two forwarded pings dropped
 * by an nftables rule, recorded with --diag in the Debian 6.12 guest (fentry, fexit and kprobe
 * tracers; vm/run). Its events come in the order the kernel sent them, so a function traced with
 * its return value (ip_output) sends the start of the life after the drop inside it.
 */
class GuestRecordReplayTest {
    private static final String RECORD = "debian-6.12-nft-forward-drop";

    private static Path resource(String name) {
        try {
            return Path.of(GuestRecordReplayTest.class.getResource("/records/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String replay() {
        InProcess.Result replay = InProcess.run("replay", resource(RECORD + ".json").toString(), "--diag",
                "--diag-keep");
        assertThat(replay.code()).as(replay.err()).isZero();
        return replay.out();
    }

    @Test
    void eachDroppedPingIsOneLifeFromItsOutputToItsDrop() {
        String output = replay();
        String[] lives = output.split("\\*{17} [0-9a-f,]+ \\*{15}\n");

        assertThat(Arrays.copyOfRange(lives, 1, lives.length)).hasSize(2).allSatisfy(life -> assertThat(life)
                .startsWith("[")
                .contains("[ip_output           ]")
                .contains("*nftables table:guest, chain:forward*")
                .contains("*reason: NETFILTER_DROP, nft_do_chain+0x40f*")
                .contains("ERROR happens in kfree_skb(life)"));
        assertThat(lives[1].lines().findFirst().orElseThrow()).contains("[ip_output ").contains("seq: 1");
        assertThat(lives[2].lines().findFirst().orElseThrow()).contains("[ip_output ").contains("seq: 2");
        assertThat(output).doesNotContain("unknown").doesNotContain("good packet");
    }

    @Test
    void theReplayPrintsWhatWasReviewed() throws IOException {
        assertThat(replay()).isEqualTo(Files.readString(resource(RECORD + ".txt")));
    }

    @Test
    void theRecordNamesItsKernelAndItsFentryTracers() throws IOException {
        String header = Files.readAllLines(resource(RECORD + ".json")).getFirst();

        assertThat(header).contains("\"kernel\":\"6.12.").contains(": fentry ip_output\"");
    }
}
