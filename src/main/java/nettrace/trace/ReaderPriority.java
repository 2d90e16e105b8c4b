package nettrace.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import nettrace.libbpf.Errno;
import nettrace.libbpf.NativeProcess;

/**
 * The scheduling priority of the threads that must keep up with the kernel while tracing: the
 * one reading the ring buffer, and the collector's (with the serial collector its work runs in
 * the VM thread, during which the reader waits). On a machine whose CPUs the traced workload
 * keeps busy, the reader at the default nice value waited on the run queue for as long as it ran,
 * and a wait longer than the ring's ~50 ms of events loses events. Its CPU time is bounded by
 * the events the kernel sends, so a higher priority changes when it runs, not how much.
 */
final class ReaderPriority {
    private static final Path TASKS = Path.of("/proc/self/task");

    private ReaderPriority() {
    }

    /**
     * Gives the calling thread (the reader) and the collector's threads the nice value nice; 0
     * leaves them as they are. A refusal is said on verbose, and tracing goes on.
     */
    static void raise(int nice, Consumer<String> verbose) {
        if (nice == 0) {
            return;
        }
        List<Integer> threads = new ArrayList<>();
        threads.add(NativeProcess.currentThreadId());
        threads.addAll(collectorThreads());
        for (int thread : threads) {
            int errno = NativeProcess.setNice(thread, nice);
            if (errno != 0) {
                verbose.accept("nettrace: the reader keeps its priority: nice " + nice + " was refused ("
                        + (errno == Errno.EACCES || errno == Errno.EPERM
                                ? "a lower nice value needs CAP_SYS_NICE" : Errno.describe(errno))
                        + ")");
                return;
            }
        }
        verbose.accept("nettrace: the reader and the collector run at nice " + nice);
    }

    /** The JVM's threads that collect garbage, by their names in /proc: the VM thread, GC threads. */
    private static List<Integer> collectorThreads() {
        List<Integer> found = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String name = threadName(task);
                if (name.equals("VM Thread") || name.startsWith("GC Thread")) {
                    found.add(Integer.parseInt(task.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            // no /proc: the reader alone
        }
        return found;
    }

    private static String threadName(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
            return ""; // the thread ended meanwhile
        }
    }
}
