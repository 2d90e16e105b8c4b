package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import nettrace.testing.Shell;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** bin/nettrace as users run it: a process, its signals and exit codes, and what it leaves behind. */
@Tag("kernel")
class LauncherKernelTest {
    private static final Path LAUNCHER = Path.of("bin/nettrace").toAbsolutePath();

    /** Ids of the BPF programs loaded in the kernel right now. */
    private static Set<Long> loadedPrograms() {
        Set<Long> ids = new HashSet<>();
        Matcher matcher = Pattern.compile("\\{\"id\":(\\d+),").matcher(Shell.check("bpftool", "-j", "prog", "show").out());
        while (matcher.find()) {
            ids.add(Long.parseLong(matcher.group(1)));
        }
        return ids;
    }

    /** The fdinfo text of each descriptor a process holds. */
    private static List<String> descriptorsOf(long pid) throws IOException {
        List<String> infos = new ArrayList<>();
        try (var entries = Files.list(Path.of("/proc", Long.toString(pid), "fdinfo"))) {
            for (Path entry : entries.toList()) {
                try {
                    infos.add(Files.readString(entry));
                } catch (IOException closedMeanwhile) {
                    // the descriptor went away while listed
                }
            }
        }
        return infos;
    }

    /** The /proc directories of a process's threads. */
    private static List<Path> threadsDirectories(long pid) throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.toList();
        }
    }

    /** Ids of the BPF programs a process holds (through program and link descriptors). */
    private static Set<Long> programsHeldBy(long pid) throws IOException {
        Set<Long> ids = new HashSet<>();
        for (String info : descriptorsOf(pid)) {
            for (String line : info.lines().toList()) {
                if (line.startsWith("prog_id:")) {
                    ids.add(Long.parseLong(line.substring("prog_id:".length()).strip()));
                }
            }
        }
        return ids;
    }

    /** Waits (the kernel frees programs asynchronously) until none of ids is loaded; returns those left. */
    private static Set<Long> stillLoaded(Set<Long> ids) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Set<Long> left = new HashSet<>(ids);
        while (true) {
            left.retainAll(loadedPrograms());
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(100);
        }
    }

    private static final java.util.concurrent.Executor READERS = task -> Thread.ofVirtual().start(task);

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
        var out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()), READERS);
        var err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()), READERS);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("nettrace did not exit within 60 s; where its threads were:\n"
                    + threadsOf(process.pid()));
        }
        return new Finished(process.exitValue(), out.join(), err.join());
    }

    /**
     * A stuck process's signal dispositions and where each of its threads waits in the kernel,
     * for the failure's message (read from /proc: a tool run against it could hang as well).
     */
    private static String threadsOf(long pid) {
        StringBuilder seen = new StringBuilder();
        Path process = Path.of("/proc", Long.toString(pid));
        try {
            Files.readAllLines(process.resolve("status")).stream().filter(line -> line.startsWith("Sig"))
                    .forEach(line -> seen.append(line).append('\n'));
            for (Path task : threadsDirectories(pid)) {
                seen.append(Files.readString(task.resolve("comm")).strip()).append(": ")
                        .append(Files.readString(task.resolve("wchan"))).append('\n');
            }
        } catch (IOException e) {
            seen.append("(").append(e.getMessage()).append(")");
        }
        return seen.toString();
    }

    /**
     * True when this JVM was started with the signal ignored (nohup ignores SIGHUP): a process
     * inherits that, the JVM then never handles it, and neither does nettrace, as its user asked.
     */
    private static boolean ignoredHere(int signal) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16) >> (signal - 1) & 1) != 0;
            }
        }
        return false;
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
        Process process = launch(List.of(), "--basic", "-p", "icmp");
        try {
            awaitBegin(process, new StringBuilder());
            Set<Long> held = programsHeldBy(process.pid());
            assertThat(held).as("programs attached while tracing").isNotEmpty();
            Shell.check("kill", "-" + signal, Long.toString(process.pid()));
            Finished finished = finish(process);
            assertThat(finished.code()).as(finished.err()).isZero();
            assertThat(finished.out()).endsWith("end trace...\n");
            assertThat(stillLoaded(held)).as("programs left after " + signal).isEmpty();
        } finally {
            process.destroyForcibly();
        }
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
    void sighupDetachesEverythingAndExitsZero() throws Exception {
        Assumptions.assumeFalse(ignoredHere(1), "the tests were started with SIGHUP ignored (nohup)");
        stopsCleanlyOn("HUP");
    }

    /**
     * A template whose tracers all have the same flags is loaded as its first tracer's program
     * rather than beside that tracer's clone: one verifier run less each, and with the tracepoints
     * of this kernel every template is such a one.
     */
    @Test
    void eachTracepointTracerHoldsOneProgramAndNoTemplateBesideIt() throws Exception {
        Process process = launch(List.of(), "-v", "--basic", "-p", "icmp");
        try {
            awaitBegin(process, new StringBuilder());
            Set<Long> held = programsHeldBy(process.pid());
            Shell.check("kill", "-INT", Long.toString(process.pid()));
            Finished finished = finish(process);
            assertThat(finished.code()).as(finished.err()).isZero();
            long tracers = finished.err().lines().filter(line -> line.matches("  \\S+: tracepoint .*")).count();
            assertThat(tracers).as(finished.err()).isGreaterThan(5);
            assertThat(held).as("programs held by " + tracers + " tracers").hasSize((int) tracers);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The names of a process's threads that run at a nice value. */
    private static List<String> threadsAtNice(long pid, int nice) throws IOException {
        List<String> names = new ArrayList<>();
        for (Path task : threadsDirectories(pid)) {
            String stat = Files.readString(task.resolve("stat"));
            // after the name in parentheses: the state is field 3, the nice value field 19
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (Integer.parseInt(fields[19 - 3]) == nice) {
                names.add(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
            }
        }
        return names;
    }

    /** The reader and the collector run ahead of the workload; the command keeps its own priority. */
    @Test
    void theReaderAndTheCollectorRunAtTheirNiceValueAndTheCommandAtItsOwn() throws Exception {
        Process process = launch(List.of(), "--basic", "-p", "icmp", "-s", "192.0.2.99", "--", "sh", "-c",
                "sleep 1; echo command nice $(nice); sleep 60");
        try {
            StringBuilder seen = new StringBuilder();
            awaitBegin(process, seen);
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(reader.readLine()).isEqualTo("command nice 0");
            assertThat(threadsAtNice(process.pid(), -5)).as("threads at nice -5").contains("VM Thread")
                    .hasSizeBetween(2, 3);
            Shell.check("kill", "-INT", Long.toString(process.pid()));
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
    }

    /** The sizes of the BPF ring buffers a process holds, from its descriptors' fdinfo. */
    private static List<Long> ringBuffersHeldBy(long pid) throws IOException {
        List<Long> sizes = new ArrayList<>();
        for (String info : descriptorsOf(pid)) {
            Matcher size = Pattern.compile("max_entries:\\s+(\\d+)").matcher(info);
            if (info.matches("(?s).*map_type:\\s+27\\n.*") && size.find()) {
                sizes.add(Long.parseLong(size.group(1)));
            }
        }
        return sizes;
    }

    @Test
    void theRingBufferIsAsLargeAsAsked() throws Exception {
        Process process = launch(List.of(), "-v", "--ring-size", "16", "--basic", "-p", "icmp", "-s", "192.0.2.99");
        try {
            awaitBegin(process, new StringBuilder());
            // BPF_MAP_TYPE_RINGBUF (27): the events' ring, sized by --ring-size
            assertThat(ringBuffersHeldBy(process.pid())).containsExactly(16L << 20);
            Shell.check("kill", "-INT", Long.toString(process.pid()));
            Finished finished = finish(process);
            assertThat(finished.code()).as(finished.err()).isZero();
            assertThat(finished.err()).contains("ring buffer 16 MiB");
        } finally {
            process.destroyForcibly();
        }
    }

    /** `nettrace ... | head -1`: the reader leaves after one line, and nettrace must follow. */
    @Test
    void aClosedOutputPipeStopsTheRunAndDetachesEverything() throws Exception {
        Process process = launch(List.of(), "--basic", "-p", "icmp");
        try {
            awaitBegin(process, new StringBuilder());
            Set<Long> held = programsHeldBy(process.pid());
            assertThat(held).isNotEmpty();
            process.getInputStream().close();
            for (int i = 0; i < 20 && process.isAlive(); i++) {
                Shell.run(List.of("ping", "-c", "1", "-W", "1", "127.0.0.1"), 5);
            }
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("nettrace stops once its output is gone").isTrue();
            assertThat(process.exitValue()).isZero();
            assertThat(stillLoaded(held)).as("programs left after the pipe closed").isEmpty();
        } finally {
            process.destroyForcibly();
        }
    }

    /** A reader that stalls (SIGSTOP) while the kernel fills the ring: the loss is counted and reported, not fatal. */
    @Test
    void lostEventsAreCountedAndReportedNeverFatal() throws Exception {
        Process process = launch(List.of(), "--basic", "-v", "-p", "icmp", "--addr", "127.0.0.1");
        try {
            awaitBegin(process, new StringBuilder());
            var out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()), READERS);
            var err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()), READERS);
            Shell.check("kill", "-STOP", Long.toString(process.pid()));
            try {
                Shell.run(List.of("ping", "-f", "-q", "-c", "30000", "127.0.0.1"), 60);
            } finally {
                Shell.check("kill", "-CONT", Long.toString(process.pid()));
            }
            Thread.sleep(1500);
            Shell.check("kill", "-INT", Long.toString(process.pid()));
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String errors = err.join();
            assertThat(process.exitValue()).as(errors).isZero();
            assertThat(out.join()).endsWith("end trace...\n");
            assertThat(errors).containsPattern("nettrace: \\d+ events lost in the last second \\(ring buffer full; \\d+ so far\\)")
                    .containsPattern("nettrace: \\d+ events, \\d+ lost \\(ring buffer full; a larger --ring-size rides out "
                            + "longer bursts\\)");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void killedJvmLeavesNoProgramBehind() throws Exception {
        Process process = launch(List.of(), "--basic", "-p", "icmp");
        try {
            awaitBegin(process, new StringBuilder());
            Set<Long> held = programsHeldBy(process.pid());
            assertThat(held).isNotEmpty();
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(stillLoaded(held)).as("programs left after SIGKILL").isEmpty();
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aSignalStopsTheRunEvenWhenNobodyReadsItsOutput() throws Exception {
        // stdout is a pipe this test never reads: once it is full, nettrace blocks writing to it
        Process process = launch(List.of(), "--basic");
        try {
            Thread.sleep(3000);
            for (int i = 0; i < 200; i++) {
                Shell.run(List.of("ping", "-c", "1", "-W", "1", "127.0.0.1"), 5);
            }
            Set<Long> held = programsHeldBy(process.pid());
            Shell.check("kill", "-TERM", Long.toString(process.pid()));
            assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("nettrace exits").isTrue();
            assertThat(process.exitValue()).isZero();
            assertThat(stillLoaded(held)).isEmpty();
        } finally {
            process.destroyForcibly();
        }
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
        Finished finished = finish(launch(List.of(), "-t", "no_such_tracer"));
        assertThat(finished.code()).isEqualTo(2);
        assertThat(finished.err()).isEqualTo("nettrace: unknown tracer or group 'no_such_tracer' (see nettrace -t '?')\n");
        assertThat(finished.out()).isEmpty();
    }

    @Test
    void tracerNamesOfTheOptionsAreCheckedBeforeThePrivileges() throws Exception {
        List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all");
        for (String option : List.of("--trace-matcher", "--trace-free", "--trace-stack")) {
            Finished finished = finish(launch(nobody, "-t", "link", option, "ip_rcv"));
            assertThat(finished.code()).as(option).isEqualTo(2);
            assertThat(finished.err()).as(option)
                    .isEqualTo("nettrace: " + option + ": 'ip_rcv' is not a tracer of this run (see -t)\n");
        }
    }

    @Test
    void theTreeListingSaysHowEachTracerAttachesOnThisKernel() throws Exception {
        Finished finished = finish(launch(List.of(), "-t", "?"));
        assertThat(finished.code()).isEqualTo(0);
        List<String> lines = finished.out().lines().toList();
        assertThat(lines).contains("link                              link layer (L2) of the network stack")
                .anyMatch(line -> line.matches(" +netif_receive_skb +(tracepoint net:netif_receive_skb|fentry .*)"))
                .anyMatch(line -> line.matches(" +kfree_skb +tracepoint skb:kfree_skb"))
                .anyMatch(line -> line.matches("\\d+ tracers: .*"))
                .contains("  tracepoint: yes");
        String ipRcv = lines.stream().filter(line -> line.matches(" +ip_rcv +.*")).findFirst().orElseThrow();
        if (lines.contains("  fentry/fexit: yes")) {
            assertThat(ipRcv).matches(" +ip_rcv +fentry ip_rcv");
        } else if (lines.stream().anyMatch(line -> line.startsWith("  kprobe/kretprobe: no"))) {
            assertThat(ipRcv).endsWith("unavailable: needs fentry or kprobes, which this kernel does not allow; "
                    + "no tracepoint alternative");
        }
        assertThat(finished.err()).isEmpty();
    }

    @Test
    void allTracersNeedAFilterOrForce() throws Exception {
        Finished finished = finish(launch(List.of(), "-t", "all"));
        assertThat(finished.code()).isEqualTo(2);
        assertThat(finished.err().lines()).singleElement().asString().contains("add a filter or --force");
    }
}
