package nettrace.monitor.labels;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The name a person knows a network namespace by, from its inode: the `ip netns` name
 * (/run/netns), "host" for the host's, else the Kubernetes pod or container a process in it runs
 * in (its cgroup), else the inode itself. Found by scanning, at most every {@value #RESCAN_MILLIS}
 * ms when a namespace is not known yet.
 */
public final class NamespaceNames {
    public static final String HOST = "host";
    public static final String UNKNOWN = "unknown";
    private static final long RESCAN_MILLIS = 200;

    private final Path runNetns;
    private final Path proc;
    private final WorkloadNames workloads;
    private final LongSupplier millis;
    private Map<Long, String> names = Map.of();
    private Set<Long> inUse = Set.of();
    private long scannedAt = Long.MIN_VALUE / 2;

    /** @param root "/" on a real system; a test's scratch tree otherwise */
    public NamespaceNames(Path root, LongSupplier millis) {
        this.runNetns = root.resolve("run/netns");
        this.proc = root.resolve("proc");
        this.workloads = new WorkloadNames(root);
        this.millis = millis;
    }

    public static NamespaceNames system() {
        return new NamespaceNames(Path.of("/"), System::currentTimeMillis);
    }

    /** The label of the namespace with this inode ("unknown" for 0, the kernel's "none"). */
    public synchronized String label(long inode) {
        if (inode == 0) {
            return UNKNOWN;
        }
        String name = names.get(inode);
        if (name == null && millis.getAsLong() - scannedAt >= RESCAN_MILLIS) {
            scan();
            name = names.get(inode);
        }
        return name != null ? name : Long.toString(inode);
    }

    /** The namespaces a name, a process or the host holds now (scans afresh). */
    public synchronized Set<Long> inUse() {
        scan();
        return inUse;
    }

    private void scan() {
        scannedAt = millis.getAsLong();
        Map<Long, String> found = new HashMap<>();
        Set<Long> held = new HashSet<>();
        for (Path file : list(runNetns)) {
            try {
                long inode = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
                found.putIfAbsent(inode, file.getFileName().toString());
                held.add(inode);
            } catch (IOException | UnsupportedOperationException e) {
                // a name being deleted: its namespace is found through its processes, if any
            }
        }
        // init's namespace is the host's; where init is out of sight (a sandbox), the monitor's own
        namespaceOf(proc.resolve("1")).or(() -> namespaceOf(proc.resolve("self"))).ifPresent(host -> {
            found.putIfAbsent(host, HOST);
            held.add(host);
        });
        Map<Long, Workload> workloadOf = new HashMap<>();
        for (Path process : list(proc)) {
            if (!process.getFileName().toString().chars().allMatch(Character::isDigit)) {
                continue;
            }
            Optional<Long> inode = namespaceOf(process);
            if (inode.isEmpty()) {
                continue;
            }
            long namespace = inode.get();
            held.add(namespace);
            Workload known = workloadOf.get(namespace);
            // a pod's name beats its containers': any process of the pod may say which pod it is
            if (found.containsKey(namespace) || known != null && known.inPod()) {
                continue;
            }
            CgroupPath.ofProcessFile(lines(process.resolve("cgroup")))
                    .filter(workload -> known == null || workload.inPod())
                    .ifPresent(workload -> workloadOf.put(namespace, workload));
        }
        workloadOf.forEach((inode, workload) -> found.putIfAbsent(inode, workloads.label(workload)));
        names = found;
        inUse = held;
    }

    /** "net:[4026531840]" -> 4026531840 */
    private static Optional<Long> namespaceOf(Path process) {
        try {
            String link = Files.readSymbolicLink(process.resolve("ns/net")).toString();
            int open = link.indexOf('[');
            int close = link.indexOf(']');
            return open < 0 || close < open ? Optional.empty()
                    : Optional.of(Long.parseLong(link.substring(open + 1, close)));
        } catch (IOException | NumberFormatException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static List<Path> list(Path folder) {
        List<Path> entries = new java.util.ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            // no such folder (no ip netns yet): nothing named there
        }
        return entries;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
