package nettrace.monitor.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import nettrace.monitor.probe.Flow;
import org.junit.jupiter.api.Test;

class AnomalyWatcherTest {
    private static final DropClass NO_SOCKET = new DropClass("NO_SOCKET", "__udp4_lib_rcv", "web-1");
    private static final DropClass FILTERED = new DropClass("NETFILTER_DROP", "nf_hook_slow", "web-1");
    private static final Flow SAMPLE = new Flow(Optional.empty(), Optional.empty(), 0, 0, Flow.IPV4, 17, 1);

    private static Map<DropClass, AnomalyWatcher.Reading> reading(Object... classesAndCounts) {
        Map<DropClass, AnomalyWatcher.Reading> reading = new LinkedHashMap<>();
        for (int i = 0; i < classesAndCounts.length; i += 2) {
            reading.put((DropClass) classesAndCounts[i],
                    new AnomalyWatcher.Reading((Long) classesAndCounts[i + 1], SAMPLE));
        }
        return reading;
    }

    @Test
    void aNewClassIsCapturedOnceWithinTheInterval() {
        AnomalyWatcher watcher = new AnomalyWatcher(0, Duration.ofMinutes(10));
        assertThat(watcher.observe(reading(NO_SOCKET, 3L), 1_000)).map(AnomalyWatcher.Trigger::dropClass)
                .contains(NO_SOCKET);
        assertThat(watcher.observe(reading(NO_SOCKET, 500L), 2_000)).as("no threshold: the rise alone does nothing")
                .isEmpty();
        assertThat(watcher.observe(reading(NO_SOCKET, 900L), 300_000)).isEmpty();
    }

    @Test
    void newClassesWaitTheirTurnOneCaptureAtATime() {
        AnomalyWatcher watcher = new AnomalyWatcher(0, Duration.ofMinutes(10));
        assertThat(watcher.observe(reading(NO_SOCKET, 1L, FILTERED, 1L), 1_000)).map(t -> t.dropClass())
                .contains(NO_SOCKET);
        assertThat(watcher.observe(reading(NO_SOCKET, 1L, FILTERED, 1L), 2_000)).map(t -> t.dropClass())
                .contains(FILTERED);
        assertThat(watcher.observe(reading(NO_SOCKET, 1L, FILTERED, 1L), 3_000)).isEmpty();
    }

    @Test
    void aRateAboveTheThresholdCapturesAgainAfterTheInterval() {
        AnomalyWatcher watcher = new AnomalyWatcher(100, Duration.ofSeconds(60));
        watcher.observe(reading(NO_SOCKET, 1L), 1_000);
        assertThat(watcher.observe(reading(NO_SOCKET, 51L), 2_000)).as("50/s is under 100/s").isEmpty();
        assertThat(watcher.observe(reading(NO_SOCKET, 251L), 3_000)).as("within the interval of the first").isEmpty();
        assertThat(watcher.observe(reading(NO_SOCKET, 20_251L), 63_000)).hasValueSatisfying(trigger ->
                assertThat(trigger.why()).isEqualTo("rate 333/s above 100/s"));
    }

    @Test
    void aClassWithoutDropsIsNotNew() {
        AnomalyWatcher watcher = new AnomalyWatcher(0, Duration.ofMinutes(1));
        assertThat(watcher.observe(reading(NO_SOCKET, 0L), 1_000)).isEmpty();
    }
}
