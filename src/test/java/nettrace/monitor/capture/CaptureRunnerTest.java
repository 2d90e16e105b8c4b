package nettrace.monitor.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureRunnerTest {
    @Test
    void aCaptureRunsTheDiagnosisOnTheFilterForAFewLivesOrSeconds() {
        CaptureRunner runner = new CaptureRunner(options -> null, 3, Duration.ofMillis(7500));
        assertThat(runner.options(List.of("-p", "udp", "-D", "53"))).containsExactly("--diag", "--diag-keep", "--output",
                "json", "-c", "3", "--duration", "7.5", "-p", "udp", "-D", "53");
    }

    @Test
    void theDiagnosedLivesAreKeptTheErrorsFirst() {
        String good = "{\"type\":\"diagnosis\",\"skbs\":[\"1\"],\"verdict\":\"good\",\"events\":[]}";
        String error = "{\"type\":\"diagnosis\",\"skbs\":[\"2\"],\"verdict\":\"error\",\"events\":[{\"finding\":"
                + "{\"level\":\"error\"}}]}";
        String summary = "{\"type\":\"summary\",\"events\":2,\"lost\":0}";
        assertThat(CaptureRunner.diagnosedLives(String.join("\n", good, error, summary, "not json")))
                .containsExactly(error, good);
    }
}
