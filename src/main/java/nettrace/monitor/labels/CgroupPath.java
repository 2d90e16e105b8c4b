package nettrace.monitor.labels;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a process's cgroup paths (/proc/PID/cgroup) for the container or Kubernetes pod it runs
 * in. The container runtimes name their cgroups in a few known ways:
 * <ul>
 * <li>Docker: {@code /system.slice/docker-ID.scope} (systemd driver) or {@code /docker/ID} (cgroupfs);
 * <li>Podman: {@code /machine.slice/libpod-ID.scope}, also under a user's slice (rootless);
 * <li>CRI-O: {@code crio-ID.scope}; containerd: {@code cri-containerd-ID.scope},
 *     {@code nerdctl-ID.scope}, or {@code /NAMESPACE/ID} (ctr);
 * <li>Kubernetes: {@code kubepods-QOS-podUID.slice} with the UID's dashes as underscores (systemd
 *     driver) or {@code /kubepods/QOS/podUID/ID} (cgroupfs), the container's scope below.
 * </ul>
 */
public final class CgroupPath {
    private static final Pattern SCOPE = Pattern.compile(
            "^(docker|libpod|crio|cri-containerd|nerdctl|cri-o)-([0-9a-f]{12,64})\\.scope$");
    private static final Pattern BARE_ID = Pattern.compile("^[0-9a-f]{64}$");
    private static final Pattern SYSTEMD_POD = Pattern.compile(
            "^kubepods(?:-[a-z]+)?-pod([0-9a-f_]{36})\\.slice$");
    private static final Pattern CGROUPFS_POD = Pattern.compile("^pod([0-9a-f-]{36})$");

    private CgroupPath() {
    }

    /** The workload of the first line of /proc/PID/cgroup (v1 or v2) that names one. */
    public static Optional<Workload> ofProcessFile(List<String> lines) {
        for (String line : lines) {
            int path = line.indexOf(':', line.indexOf(':') + 1);
            if (path < 0) {
                continue;
            }
            Optional<Workload> workload = parse(line.substring(path + 1));
            if (workload.isPresent()) {
                return workload;
            }
        }
        return Optional.empty();
    }

    /** The workload a cgroup path names, if it names one. */
    public static Optional<Workload> parse(String path) {
        String[] segments = path.split("/");
        Optional<String> pod = Optional.empty();
        Optional<String> container = Optional.empty();
        Workload.Runtime runtime = null;
        boolean underDocker = false;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            Matcher matcher;
            if ((matcher = SYSTEMD_POD.matcher(segment)).matches()) {
                pod = Optional.of(matcher.group(1).replace('_', '-'));
            } else if (segment.startsWith("libpod-conmon-")) {
                return Optional.empty();
            } else if ((matcher = SCOPE.matcher(segment)).matches()) {
                container = Optional.of(matcher.group(2));
                runtime = switch (matcher.group(1)) {
                    case "docker" -> Workload.Runtime.DOCKER;
                    case "libpod" -> Workload.Runtime.PODMAN;
                    case "crio", "cri-o" -> Workload.Runtime.CRIO;
                    default -> Workload.Runtime.CONTAINERD;
                };
            } else if (segment.equals("docker")) {
                underDocker = true;
            } else if (segment.equals("kubepods") || segment.startsWith("kubepods.")) {
                runtime = runtime == null ? Workload.Runtime.KUBERNETES : runtime;
            } else if ((matcher = CGROUPFS_POD.matcher(segment)).matches() && path.contains("kubepods")) {
                pod = Optional.of(matcher.group(1));
            } else if (BARE_ID.matcher(segment).matches() && container.isEmpty()) {
                container = Optional.of(segment);
                if (runtime == null && underDocker) {
                    runtime = Workload.Runtime.DOCKER;
                } else if (runtime == null && i == 2) {
                    runtime = Workload.Runtime.CONTAINERD; // ctr: /NAMESPACE/ID
                }
            }
        }
        if (pod.isPresent()) {
            return Optional.of(new Workload(runtime == null ? Workload.Runtime.KUBERNETES : runtime, pod, container));
        }
        if (runtime != null && container.isPresent()) {
            return Optional.of(new Workload(runtime, Optional.empty(), container));
        }
        return Optional.empty();
    }
}
