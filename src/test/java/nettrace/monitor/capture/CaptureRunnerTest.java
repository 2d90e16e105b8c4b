package nettrace.monitor.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureRunnerTest {
    @Test
    void aCaptureRunsTheDiagnosisOnTheFilterForAFewLivesOrSeconds() {
        CaptureRunner runner = new CaptureRunner(options -> null, 3, Duration.ofMillis(7500));
        assertThat(runner.options(List.of("-p", "udp", "-D", "53"))).containsExactly("--diag", "--diag-keep", "--output",
                "json", "-c", "3", "--duration", "7.5", "--nice", "0", "-p", "udp", "-D", "53");
    }

    private static final String GOOD = "{\"type\":\"diagnosis\",\"skbs\":[\"1\"],\"verdict\":\"good\",\"events\":[]}";
    private static final String ERROR = "{\"type\":\"diagnosis\",\"skbs\":[\"2\"],\"verdict\":\"error\","
            + "\"events\":[{\"finding\":{\"level\":\"error\"}}]}";

    private static List<String> livesOf(int kept, String output, int pieceLength) {
        DiagnosedLines lines = new DiagnosedLines(kept);
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < bytes.length; at += pieceLength) {
            lines.write(bytes, at, Math.min(pieceLength, bytes.length - at));
        }
        return lines.lives();
    }

    @Test
    void theDiagnosedLivesAreKeptTheErrorsFirst() {
        String summary = "{\"type\":\"summary\",\"events\":2,\"lost\":0}";
        String output = String.join("\n", GOOD, ERROR, summary, "not json");
        assertThat(livesOf(3, output, output.length())).containsExactly(ERROR, GOOD);
        assertThat(livesOf(3, output + "\n", 7)).as("written in pieces that cut lines").containsExactly(ERROR, GOOD);
    }

    @Test
    void aStormOfLivesKeepsNoMoreThanAreAskedFor() {
        StringBuilder output = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            output.append(i % 1000 == 999 ? ERROR : GOOD).append('\n');
        }
        assertThat(livesOf(3, output.toString(), 4096)).containsExactly(ERROR, ERROR, ERROR);
        List<String> thirty = livesOf(30, output.toString(), 4096);
        assertThat(thirty).hasSize(30);
        assertThat(thirty.subList(0, 20)).containsOnly(ERROR);
        assertThat(thirty.subList(20, 30)).containsOnly(GOOD);
    }
}
