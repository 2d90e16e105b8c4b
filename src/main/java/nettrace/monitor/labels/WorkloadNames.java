package nettrace.monitor.labels;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The names people gave their workloads, from the runtimes' own files where they exist: a
 * Kubernetes pod as "namespace/name" (kubelet's pod directory), a Docker container's name
 * (its config.v2.json), a Podman or CRI-O container's (containers/storage's containers.json).
 * Anything else is known by its short id.
 */
public final class WorkloadNames {
    private static final JsonFactory JSON = new JsonFactory();

    private final Path kubeletPods;
    private final Path dockerContainers;
    private final Path storageContainers;

    /** @param root "/" on a real system; a test's scratch tree otherwise */
    public WorkloadNames(Path root) {
        this.kubeletPods = root.resolve("var/lib/kubelet/pods");
        this.dockerContainers = root.resolve("var/lib/docker/containers");
        this.storageContainers = root.resolve("var/lib/containers/storage/overlay-containers/containers.json");
    }

    /** The label of a workload: "namespace/pod", "pod", "pod-UID", a container's name, or its short id. */
    public String label(Workload workload) {
        if (workload.podUid().isPresent()) {
            String uid = workload.podUid().get();
            return podName(uid).orElse("pod-" + uid);
        }
        String id = workload.containerId().orElseThrow();
        Optional<String> name = switch (workload.runtime()) {
            case DOCKER -> dockerName(id);
            case PODMAN, CRIO -> storageName(id);
            default -> Optional.empty();
        };
        return name.orElse(workload.shortId().orElseThrow());
    }

    /**
     * The pod's name is the hostname the kubelet wrote into its hosts file (the last line:
     * "IP\tNAME"), its namespace what the service account volume holds.
     */
    private Optional<String> podName(String uid) {
        Path pod = kubeletPods.resolve(uid);
        Optional<String> name = lines(pod.resolve("etc-hosts")).reversed().stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#")).findFirst()
                .map(line -> line.strip().split("\\s+")).filter(fields -> fields.length >= 2)
                .map(fields -> fields[1]);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        return serviceAccountNamespace(pod).map(namespace -> namespace + "/" + name.get()).or(() -> name);
    }

    private static Optional<String> serviceAccountNamespace(Path pod) {
        Path projected = pod.resolve("volumes/kubernetes.io~projected");
        if (!Files.isDirectory(projected)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> volumes = Files.newDirectoryStream(projected)) {
            for (Path volume : volumes) {
                List<String> namespace = lines(volume.resolve("namespace"));
                if (!namespace.isEmpty() && !namespace.getFirst().isBlank()) {
                    return Optional.of(namespace.getFirst().strip());
                }
            }
        } catch (IOException e) {
            // no namespace then: the pod's name alone
        }
        return Optional.empty();
    }

    /** config.v2.json: {"ID": ..., "Name": "/web-1", ...} */
    private Optional<String> dockerName(String id) {
        Path config = dockerContainers.resolve(id).resolve("config.v2.json");
        try (JsonParser parser = JSON.createParser(config.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (field.equals("Name") && parser.currentToken() == JsonToken.VALUE_STRING) {
                    String name = parser.getText();
                    return Optional.of(name.startsWith("/") ? name.substring(1) : name).filter(n -> !n.isEmpty());
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            // unreadable: the short id stands in
        }
        return Optional.empty();
    }

    /** containers.json: [{"id": ..., "names": ["web-1"], ...}, ...] */
    private Optional<String> storageName(String id) {
        try (JsonParser parser = JSON.createParser(storageContainers.toFile())) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return Optional.empty();
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                String found = null;
                String name = null;
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if (field.equals("id") && value == JsonToken.VALUE_STRING) {
                        found = parser.getText();
                    } else if (field.equals("names") && value == JsonToken.START_ARRAY) {
                        if (parser.nextToken() == JsonToken.VALUE_STRING) {
                            name = parser.getText();
                        }
                        while (parser.currentToken() != JsonToken.END_ARRAY) {
                            parser.nextToken();
                        }
                    } else {
                        parser.skipChildren();
                    }
                }
                if (id.equals(found) && name != null) {
                    return Optional.of(name);
                }
            }
        } catch (IOException e) {
            // unreadable: the short id stands in
        }
        return Optional.empty();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
