package nettrace.monitor.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names of namespaces from a scratch root laid out like /run, /proc and the runtimes' state. */
class NamespaceNamesTest {
    private static final String DOCKER_ID = "aa1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615e4d3";
    private static final String PODMAN_ID = "bb1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615e4d3";
    private static final String CONTAINERD_ID = "cc1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615e4d3";
    private static final String POD = "7e9b6a1c-2d3f-4a5b-8c7d-0e1f2a3b4c5d";

    @TempDir
    Path root;

    private final AtomicLong clock = new AtomicLong(1_000_000);

    private void process(int pid, long netns, String cgroup) throws IOException {
        Path folder = Files.createDirectories(root.resolve("proc/" + pid + "/ns"));
        Files.createSymbolicLink(folder.resolve("net"), Path.of("net:[" + netns + "]"));
        Files.writeString(root.resolve("proc/" + pid + "/cgroup"), "0::" + cgroup + "\n");
    }

    private void file(String path, String text) throws IOException {
        Files.createDirectories(root.resolve(path).getParent());
        Files.writeString(root.resolve(path), text);
    }

    @Test
    void ipNetnsNamesHostContainersPodsAndInodes() throws IOException {
        process(1, 4026531840L, "/init.scope");
        file("run/netns/web-1", "");
        long named = ((Number) Files.getAttribute(root.resolve("run/netns/web-1"), "unix:ino")).longValue();
        process(200, 4026532001L, "/system.slice/docker-" + DOCKER_ID + ".scope");
        file("var/lib/docker/containers/" + DOCKER_ID + "/config.v2.json",
                "{\"StreamConfig\":{},\"State\":{\"Running\":true},\"ID\":\"" + DOCKER_ID + "\",\"Name\":\"/shop-db\"}");
        process(300, 4026532002L, "/machine.slice/libpod-" + PODMAN_ID + ".scope/container");
        file("var/lib/containers/storage/overlay-containers/containers.json",
                "[{\"id\":\"0000\",\"names\":[\"other\"]},{\"id\":\"" + PODMAN_ID
                        + "\",\"names\":[\"cache\"],\"image\":\"x\",\"layer\":\"y\"}]");
        process(400, 4026532003L, "/system.slice/cri-containerd-" + CONTAINERD_ID + ".scope");
        // a pod: its pause container and an application container, both in the pod's namespace
        String podSlice = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + POD.replace('-', '_')
                + ".slice/";
        process(500, 4026532004L, podSlice + "crio-" + DOCKER_ID.replace('a', 'd') + ".scope");
        process(501, 4026532004L, podSlice + "crio-" + PODMAN_ID.replace('b', 'e') + ".scope");
        file("var/lib/kubelet/pods/" + POD + "/etc-hosts", "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n\n10.244.1.7\tcheckout-5d9f7\n");
        file("var/lib/kubelet/pods/" + POD + "/volumes/kubernetes.io~projected/kube-api-access-x2k9q/namespace",
                "shop");
        process(600, 4026532005L, "/user.slice/user-0.slice/session-4.scope");

        NamespaceNames names = new NamespaceNames(root, clock::get);
        assertThat(names.label(named)).isEqualTo("web-1");
        assertThat(names.label(4026531840L)).isEqualTo("host");
        assertThat(names.label(4026532001L)).isEqualTo("shop-db");
        assertThat(names.label(4026532002L)).isEqualTo("cache");
        assertThat(names.label(4026532003L)).isEqualTo(CONTAINERD_ID.substring(0, 12));
        assertThat(names.label(4026532004L)).isEqualTo("shop/checkout-5d9f7");
        assertThat(names.label(4026532005L)).isEqualTo("4026532005");
        assertThat(names.label(0)).isEqualTo("unknown");
    }

    @Test
    void aPodWithoutItsKubeletDirectoryIsNamedByItsUid() throws IOException {
        process(700, 4026532010L, "/kubepods/besteffort/pod" + POD + "/" + DOCKER_ID);
        assertThat(new NamespaceNames(root, clock::get).label(4026532010L)).isEqualTo("pod-" + POD);
    }

    @Test
    void aNamespaceMadeLaterIsFoundByTheNextScan() throws IOException {
        NamespaceNames names = new NamespaceNames(root, clock::get);
        assertThat(names.label(4026532020L)).isEqualTo("4026532020");
        process(800, 4026532020L, "/docker/" + DOCKER_ID);
        assertThat(names.label(4026532020L)).as("scanned again too soon").isEqualTo("4026532020");
        clock.addAndGet(1000);
        assertThat(names.label(4026532020L)).isEqualTo(DOCKER_ID.substring(0, 12));
    }
}
