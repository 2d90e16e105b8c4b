package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import nettrace.testing.Shell;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** bin/nettrace as users run it: a process, its signals and exit codes, and what it leaves behind. */
@Tag("kernel")
class LauncherKernelTest {
    private static final Path LAUNCHER = Path.of("bin/nettrace").toAbsolutePath();

    /** BPF programs loaded in the kernel right now. */
    private static long kernelPrograms() {
        String json = Shell.check("bpftool", "-j", "prog", "show").out();
        return json.split("\"id\":", -1).length - 1;
    }

    private record Finished(int code, String out, String err) {
    }

    private static Process launch(List<String> prefix, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(LAUNCHER.toString());
        command.addAll(List.of(arguments));
        return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
    }

    private static Finished finish(Process process) throws Exception {
        var out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("nettrace exits").isTrue();
        return new Finished(process.exitValue(), out.join(), err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void awaitBegin(Process process, StringBuilder seen) throws IOException {
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.equals("begin trace...")) {
                return;
            }
        }
        throw new AssertionError("no begin trace... in: " + seen + read(process.getErrorStream()));
    }

    private void stopsCleanlyOn(String signal) throws Exception {
        long before = kernelPrograms();
        Process process = launch(List.of(), "--basic", "-p", "icmp");
        StringBuilder seen = new StringBuilder();
        awaitBegin(process, seen);
        assertThat(kernelPrograms()).as("programs attached while tracing").isGreaterThan(before);
        Shell.check("kill", "-" + signal, Long.toString(process.pid()));
        Finished finished = finish(process);
        assertThat(finished.code()).as(finished.err()).isZero();
        assertThat(finished.out()).endsWith("end trace...\n");
        assertThat(kernelPrograms()).as("programs left after " + signal).isEqualTo(before);
    }

    @Test
    void sigintDetachesEverythingAndExitsZero() throws Exception {
        stopsCleanlyOn("INT");
    }

    @Test
    void sigtermDetachesEverythingAndExitsZero() throws Exception {
        stopsCleanlyOn("TERM");
    }

    @Test
    void killedJvmLeavesNoProgramBehind() throws Exception {
        long before = kernelPrograms();
        Process process = launch(List.of(), "--basic");
        awaitBegin(process, new StringBuilder());
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (kernelPrograms() != before && System.nanoTime() < deadline) {
            Thread.sleep(100); // the kernel frees programs once their last file descriptor is gone
        }
        assertThat(kernelPrograms()).isEqualTo(before);
    }

    @Test
    void withoutPrivilegesSaysWhatIsMissingOnOneLine() throws Exception {
        Finished finished = finish(launch(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all"), "--basic"));
        assertThat(finished.code()).isEqualTo(1);
        assertThat(finished.err().strip()).startsWith("nettrace: nettrace needs root")
                .contains("CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN");
        assertThat(finished.err().strip().lines()).hasSize(1);
        assertThat(finished.out()).isEmpty();
    }

    @Test
    void badInputIsRejectedBeforeAnythingIsLoaded() throws Exception {
        long before = kernelPrograms();
        Finished finished = finish(launch(List.of(), "-t", "no_such_tracer"));
        assertThat(finished.code()).isEqualTo(2);
        assertThat(finished.err()).isEqualTo("nettrace: unknown tracer or group 'no_such_tracer' (see nettrace -t '?')\n");
        assertThat(kernelPrograms()).isEqualTo(before);
    }
}
