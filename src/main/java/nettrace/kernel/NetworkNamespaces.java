package nettrace.kernel;

import com.carrotsearch.hppc.LongObjectHashMap;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Names for network namespaces, which the kernel knows only by inode: the name `ip netns`
 * gave it, or a process living in it, so that advice can say where to run a command.
 */
public final class NetworkNamespaces {
    private static final Path NAMED = Path.of("/run/netns");
    private static final Path PROC = Path.of("/proc");

    /**
     * How to reach a namespace from a shell: its display name ("web-1", "inode 4026532388 (pid
     * 812)") and the prefix that runs a command there ("ip netns exec web-1 ", "nsenter
     * --net=/proc/812/ns/net ", or "" for nettrace's own namespace or one nothing reaches).
     */
    public record Namespace(long inode, String name, String commandPrefix) {
    }

    /** A record's namespace when the skb had none to read (no device, no socket). */
    private static final Namespace UNKNOWN = new Namespace(0, "unknown", "");

    private final Path named;
    private final Path proc;
    private final LongFunction<Namespace> lookUp;
    private final LongObjectHashMap<Namespace> known = new LongObjectHashMap<>();

    public NetworkNamespaces() {
        this(NAMED, PROC);
    }

    NetworkNamespaces(Path named, Path proc) {
        this.named = named;
        this.proc = proc;
        this.lookUp = this::lookUp;
    }

    private NetworkNamespaces(LongFunction<Namespace> lookUp) {
        this.named = NAMED;
        this.proc = PROC;
        this.lookUp = lookUp;
    }

    /**
     * Namespaces of made-up records (ConsumerWarmUp), named from the inode alone, without a look
     * at /run/netns or /proc: odd inodes as `ip netns` would name them, even ones by inode, 0 unknown.
     */
    public static NetworkNamespaces madeUp() {
        return new NetworkNamespaces(inode -> inode == 0 ? UNKNOWN
                : inode % 2 == 0 ? new Namespace(inode, "inode " + inode, "")
                : new Namespace(inode, "ns-" + inode, "ip netns exec ns-" + inode + " "));
    }

    /** The namespace of this inode, looked up once and remembered. */
    public Namespace of(long inode) {
        Namespace namespace = known.get(inode);
        if (namespace == null) {
            namespace = lookUp.apply(inode);
            known.put(inode, namespace);
        }
        return namespace;
    }

    /** True when nettrace's own namespace, a named one or a process's has this inode. */
    public boolean exists(long inode) {
        return inodeOf(proc.resolve("self/ns/net")).filter(own -> own == inode).isPresent()
                || named(inode).isPresent() || process(inode).isPresent();
    }

    private Namespace lookUp(long inode) {
        if (inode == 0) {
            return UNKNOWN;
        }
        if (inodeOf(proc.resolve("self/ns/net")).filter(own -> own == inode).isPresent()) {
            return new Namespace(inode, "this host's (nettrace's own)", "");
        }
        Optional<String> name = named(inode);
        if (name.isPresent()) {
            return new Namespace(inode, name.get(), "ip netns exec " + name.get() + " ");
        }
        return process(inode).map(pid -> new Namespace(inode, "inode " + inode + " (pid " + pid + ")",
                "nsenter --net=/proc/" + pid + "/ns/net ")).orElse(new Namespace(inode, "inode " + inode, ""));
    }

    private Optional<String> named(long inode) {
        if (!Files.isDirectory(named)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(named)) {
            for (Path entry : entries) {
                if (inodeOf(entry).filter(found -> found == inode).isPresent()) {
                    return Optional.of(entry.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** A process whose network namespace this is, the lowest pid found. */
    private Optional<Long> process(long inode) {
        String link = "net:[" + inode + "]";
        Optional<Long> lowest = Optional.empty();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path entry : entries) {
                try {
                    if (Files.readSymbolicLink(entry.resolve("ns/net")).toString().equals(link)) {
                        long pid = Long.parseLong(entry.getFileName().toString());
                        if (lowest.isEmpty() || pid < lowest.get()) {
                            lowest = Optional.of(pid);
                        }
                    }
                } catch (IOException | UnsupportedOperationException | NumberFormatException e) {
                    // the process ended, or is not ours to look at
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return lowest;
    }

    private static Optional<Long> inodeOf(Path path) {
        try {
            return Optional.of((Long) Files.getAttribute(path, "unix:ino"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
