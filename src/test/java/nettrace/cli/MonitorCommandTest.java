package nettrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import nettrace.monitor.MonitorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `nettrace monitor`'s options: bad input is one line and exit 2, before anything is loaded. */
class MonitorCommandTest {
    @TempDir
    Path folder;

    private record Run(int exit, String err) {
    }

    private static Run run(String... arguments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = CommandLineRunner.run(arguments, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, err.toString(StandardCharsets.UTF_8));
    }

    private static void assertBadInput(Run run, String message) {
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString().startsWith("nettrace: ").contains(message);
    }

    private static MonitorConfig parse(String... arguments) {
        CommandLine commandLine = new CommandLine(new NettraceCommand());
        return ((MonitorCommand) commandLine.parseArgs(arguments).subcommand().commandSpec().userObject()).toConfig();
    }

    @Test
    void aBadListenAddressIsBadInput() {
        assertBadInput(run("monitor", "--listen", "nope"), "--listen: expected HOST:PORT or :PORT, got 'nope'");
        assertBadInput(run("monitor", "--listen", "127.0.0.1:70000"), "--listen: port out of range");
        assertBadInput(run("monitor", "--listen", "[::1:9000"), "--listen: expected HOST:PORT");
        // an address this machine does not have (TEST-NET-1) cannot be listened on
        assertBadInput(run("monitor", "--listen", "192.0.2.1:" + freePort(), "--log",
                folder.resolve("a.log").toString()), "--listen: cannot listen on 192.0.2.1:");
    }

    @Test
    void aPortInUseIsBadInputAndNothingStarts() throws Exception {
        Path log = folder.resolve("monitor.log");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = run("monitor", "--listen", "127.0.0.1:" + taken.getLocalPort(), "--log", log.toString());
            assertBadInput(run, "--listen: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        assertThat(Files.readString(log)).as("no \"started\" event: nothing was loaded").isEmpty();
    }

    @Test
    void anUnwritableLogIsBadInput() throws Exception {
        assertBadInput(run("monitor", "--log", "/proc/no-such-folder/monitor.log"), "--log: cannot write");
        assertBadInput(run("monitor", "--log", folder.toString()), "--log: cannot write");
        Path readOnly = Files.writeString(folder.resolve("read-only.log"), "");
        readOnly.toFile().setWritable(false);
        if (!Files.isWritable(readOnly)) { // root may write anyway
            assertBadInput(run("monitor", "--log", readOnly.toString()), "--log: cannot write");
        }
    }

    @Test
    void filtersTheMonitorCannotApplyAndCaptureOptionsWithoutCaptureAreBadInput() {
        assertBadInput(run("monitor", "--pid", "1"), "--pid, --pkt-len, --tcp-flags and --filter are not monitor filters");
        assertBadInput(run("monitor", "--tcp-flags", "S"), "are not monitor filters");
        assertBadInput(run("monitor", "--filter", "udp"), "are not monitor filters");
        assertBadInput(run("monitor", "--capture-interval", "60"), "need --capture");
        assertBadInput(run("monitor", "--max-series", "0"), "--max-series: expected a positive number");
        assertBadInput(run("monitor", "-p", "nosuch"), "unknown protocol 'nosuch'");
    }

    @Test
    void theOptionsMakeAConfiguration() {
        MonitorConfig config = parse("monitor", "-p", "udp", "--listen", "127.0.0.1:9999", "--max-series", "50",
                "--capture-threshold", "1000", "--capture-packets", "5");
        assertThat(config.listen().getPort()).isEqualTo(9999);
        assertThat(config.listen().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(config.maxSeries()).isEqualTo(50);
        assertThat(config.dropKeys()).isEqualTo(4096);
        assertThat(config.filter().ipProtocol()).isEqualTo(17);
        assertThat(config.capture()).hasValueSatisfying(capture -> {
            assertThat(capture.threshold()).isEqualTo(1000);
            assertThat(capture.lives()).isEqualTo(5);
            assertThat(capture.interval().toSeconds()).isEqualTo(600);
        });
        assertThat(parse("monitor").listen().getPort()).isEqualTo(9851);
        assertThat(parse("monitor").listen().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(parse("monitor").capture()).isEmpty();
        assertThat(config.commandLine().apply(java.util.List.of("--diag", "-p", "udp")).mode())
                .isEqualTo(nettrace.config.Mode.DIAG);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
