package nettrace.monitor.labels;

import java.util.Optional;

/**
 * What a cgroup path says runs in it: a container of some runtime, inside a Kubernetes pod or not.
 *
 * @param podUid      the pod's UID (with dashes) when the cgroup is a pod's
 * @param containerId the container's full id, when the path names one
 */
public record Workload(Runtime runtime, Optional<String> podUid, Optional<String> containerId) {

    /** Who made the cgroup. */
    public enum Runtime { DOCKER, PODMAN, CONTAINERD, CRIO, KUBERNETES }

    public boolean inPod() {
        return podUid.isPresent();
    }

    /** The short form of the container id people see in `docker ps`: its first 12 characters. */
    public Optional<String> shortId() {
        return containerId.map(id -> id.length() > 12 ? id.substring(0, 12) : id);
    }
}
