package nettrace.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import nettrace.testing.MonitorRun;
import nettrace.testing.Shell;
import nettrace.testing.Waiting;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `bin/nettrace monitor` as systemd runs it: a process that SIGTERM stops with exit 0, and that
 * leaves nothing attached however it ends, SIGKILL included.
 */
@Tag("kernel")
class MonitorLauncherKernelTest {
    private static final Path LAUNCHER = Path.of("bin/nettrace").toAbsolutePath();
    private static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("nettrace.test.timeout", 120));

    @TempDir
    Path folder;

    private static boolean monitorProgramsLoaded() {
        return Shell.check("bpftool", "prog", "show").out().contains("name monitor_");
    }

    private Process start(Path log) throws Exception {
        Process process = new ProcessBuilder(LAUNCHER.toString(), "monitor", "--listen",
                "127.0.0.1:" + MonitorRun.freePort(), "--log", log.toString())
                .redirectErrorStream(true).redirectOutput(folder.resolve("monitor.out").toFile()).start();
        Waiting.until(() -> {
            try {
                return Files.exists(log) && Files.readString(log).contains("\"event\":\"started\"");
            } catch (java.io.IOException e) {
                return false;
            }
        }, TIMEOUT, 100, () -> "the monitor did not start: " + output());
        assertThat(monitorProgramsLoaded()).as("attached while running").isTrue();
        return process;
    }

    private String output() {
        try {
            return Files.readString(folder.resolve("monitor.out"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void sigtermDetachesEverythingAndExitsZero() throws Exception {
        Path log = folder.resolve("term.log");
        Process process = start(log);
        try {
            Shell.check("kill", "-TERM", Long.toString(process.pid()));
            assertThat(process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output()).isZero();
            assertThat(Files.readString(log)).contains("\"event\":\"stopped\",\"reason\":\"SIGTERM\"");
            Waiting.until(() -> !monitorProgramsLoaded(), Duration.ofSeconds(10), 200,
                    () -> "programs left attached after SIGTERM");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aKilledMonitorLeavesNothingAttached() throws Exception {
        Process process = start(folder.resolve("kill.log"));
        Shell.check("kill", "-KILL", Long.toString(process.pid()));
        process.waitFor(30, TimeUnit.SECONDS);
        Waiting.until(() -> !monitorProgramsLoaded(), Duration.ofSeconds(10), 200,
                () -> "programs left attached after SIGKILL");
    }
}
