package nettrace.monitor.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Cgroup paths as the runtimes and the kubelet really write them. */
class CgroupPathTest {
    private static final String ID = "3f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615e4d3";
    private static final String POD = "7e9b6a1c-2d3f-4a5b-8c7d-0e1f2a3b4c5d";

    private static Workload workload(String path) {
        return CgroupPath.parse(path).orElseThrow(() -> new AssertionError("no workload in " + path));
    }

    @Test
    void dockerWithTheSystemdDriverAndWithCgroupfs() {
        assertThat(workload("/system.slice/docker-" + ID + ".scope"))
                .isEqualTo(new Workload(Workload.Runtime.DOCKER, Optional.empty(), Optional.of(ID)));
        assertThat(workload("/docker/" + ID))
                .isEqualTo(new Workload(Workload.Runtime.DOCKER, Optional.empty(), Optional.of(ID)));
        assertThat(workload("/docker/" + ID).shortId()).contains(ID.substring(0, 12));
    }

    @Test
    void podmanRootfulAndRootlessButNotItsMonitor() {
        assertThat(workload("/machine.slice/libpod-" + ID + ".scope").runtime()).isEqualTo(Workload.Runtime.PODMAN);
        assertThat(workload("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID
                + ".scope/container").containerId()).contains(ID);
        assertThat(CgroupPath.parse("/machine.slice/libpod-conmon-" + ID + ".scope")).isEmpty();
    }

    @Test
    void containerdCrioAndCtr() {
        assertThat(workload("/system.slice/cri-containerd-" + ID + ".scope").runtime())
                .isEqualTo(Workload.Runtime.CONTAINERD);
        assertThat(workload("/nerdctl.slice/nerdctl-" + ID + ".scope").runtime()).isEqualTo(Workload.Runtime.CONTAINERD);
        assertThat(workload("/default/" + ID))
                .isEqualTo(new Workload(Workload.Runtime.CONTAINERD, Optional.empty(), Optional.of(ID)));
        assertThat(workload("/machine.slice/crio-" + ID + ".scope").runtime()).isEqualTo(Workload.Runtime.CRIO);
    }

    @Test
    void kubernetesPodsWithTheSystemdDriver() {
        Workload crio = workload("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + POD.replace('-', '_') + ".slice/crio-" + ID + ".scope");
        assertThat(crio).isEqualTo(new Workload(Workload.Runtime.CRIO, Optional.of(POD), Optional.of(ID)));
        Workload guaranteed = workload("/kubepods.slice/kubepods-pod" + POD.replace('-', '_')
                + ".slice/cri-containerd-" + ID + ".scope");
        assertThat(guaranteed.podUid()).contains(POD);
        assertThat(guaranteed.inPod()).isTrue();
    }

    @Test
    void kubernetesPodsWithCgroupfs() {
        assertThat(workload("/kubepods/besteffort/pod" + POD + "/" + ID))
                .isEqualTo(new Workload(Workload.Runtime.KUBERNETES, Optional.of(POD), Optional.of(ID)));
        assertThat(workload("/kubepods/pod" + POD + "/" + ID).podUid()).contains(POD);
    }

    @Test
    void hostProcessesHaveNoWorkload() {
        assertThat(CgroupPath.parse("/system.slice/ssh.service")).isEmpty();
        assertThat(CgroupPath.parse("/user.slice/user-0.slice/session-3.scope")).isEmpty();
        assertThat(CgroupPath.parse("/")).isEmpty();
        assertThat(CgroupPath.parse("/init.scope")).isEmpty();
    }

    @Test
    void aProcessFileOfCgroupV1OrV2() {
        assertThat(CgroupPath.ofProcessFile(List.of("0::/system.slice/docker-" + ID + ".scope")))
                .map(Workload::containerId).contains(Optional.of(ID));
        assertThat(CgroupPath.ofProcessFile(List.of("12:pids:/docker/" + ID, "11:cpuset:/docker/" + ID,
                "1:name=systemd:/docker/" + ID))).map(Workload::runtime).contains(Workload.Runtime.DOCKER);
        assertThat(CgroupPath.ofProcessFile(List.of("0::/user.slice/user-0.slice/session-1.scope"))).isEmpty();
    }
}
