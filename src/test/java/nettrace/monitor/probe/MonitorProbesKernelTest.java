package nettrace.monitor.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.testing.Topology;
import nettrace.testing.Waiting;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The monitor's BPF side alone: counted drops read back and forgotten with their namespace; the
 * RTT histogram of a connection.
 */
@Tag("kernel")
class MonitorProbesKernelTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    /** What the tests read of the running kernel. */
    private record RunningKernel(Btf btf, KernelSymbols symbols, KernelFeatures features) {
        static RunningKernel read() {
            Btf btf = Btf.read(VMLINUX);
            KernelSymbols symbols = KernelSymbols.read();
            return new RunningKernel(btf, symbols, KernelFeatures.probe(btf, symbols));
        }

        /** The monitor's programs attached without a filter, not counting the frees `excluded` names. */
        MonitorProbes attach(boolean tcpRtt, MonitorLayout.FragListFrees excluded) {
            MonitorPlan plan = MonitorPlan.of(new KernelBtf(btf, true), symbols, features, tcpRtt);
            return MonitorProbes.attach(plan, new MonitorProbes.Settings(List.of(), MonitorLayout.NO_REASON,
                    MonitorLayout.NO_REASON, excluded, 4096), features, line -> { });
        }

        /** The value of SKB_DROP_REASON_NAME (SKB_DROP_REASON_ + name) in this kernel. */
        long dropReason(String name) {
            return btf.enumValues("skb_drop_reason").entrySet().stream()
                    .filter(reason -> reason.getValue().equals("SKB_DROP_REASON_" + name)).findFirst().orElseThrow()
                    .getKey();
        }

        /** The packets counted in the drops `counted` selects while `traffic` runs, `excluded` in force. */
        long dropsCounted(MonitorLayout.FragListFrees excluded, Runnable traffic, Predicate<DropCount> counted)
                throws InterruptedException {
            try (MonitorProbes probes = attach(false, excluded)) {
                traffic.run();
                Thread.sleep(300);
                return probes.read().drops().stream().filter(counted).mapToLong(DropCount::packets).sum();
            }
        }
    }

    @Test
    void aNamespacesDropsAreCountedThenForgottenWithTheirCounts() throws Exception {
        try (Topology topology = new Topology();
                MonitorProbes probes = RunningKernel.read().attach(false, MonitorLayout.FragListFrees.NONE)) {
            String a = topology.namespace("pa");
            String b = topology.namespace("pb");
            topology.veth(a, "eth0", List.of("10.199.170.1/24"), b, "eth0", List.of("10.199.170.2/24"));
            long inode = topology.inode(b);
            for (int i = 0; i < 3; i++) {
                topology.sendUdp(a, "10.199.170.2", 7730, 10);
            }
            LongSupplier counted = () -> probes.read().drops().stream().filter(drop -> drop.key().netns() == inode)
                    .filter(drop -> drop.sample().destinationPort() == 7730).mapToLong(DropCount::packets).sum();
            Waiting.until(() -> counted.getAsLong() >= 3, Duration.ofSeconds(10), 100, () -> "no drops counted");
            Thread.sleep(300);
            assertThat(counted.getAsLong()).isEqualTo(3);
            KernelCounters forgotten = probes.forget(Set.of(inode));
            assertThat(forgotten.drops()).allMatch(drop -> drop.key().netns() == inode)
                    .extracting(DropCount::packets).contains(3L);
            assertThat(probes.read().drops()).noneMatch(drop -> drop.key().netns() == inode);
        }
    }

    @Test
    void fragmentsFreedWithTheirReassembledDatagramAreNotCountedAsDrops() throws Exception {
        RunningKernel kernel = RunningKernel.read();
        MonitorLayout.FragListFrees fragListFrees = MonitorLayout.FragListFrees.of(kernel.symbols(),
                kernel.dropReason("NOT_SPECIFIED"));
        assertThat(fragListFrees).isNotEqualTo(MonitorLayout.FragListFrees.NONE);
        try (Topology topology = new Topology()) {
            String a = topology.namespace("fa");
            String b = topology.namespace("fb");
            topology.veth(a, "eth0", List.of("10.199.172.1/24"), b, "eth0", List.of("10.199.172.2/24"));
            // pings of 3,000 bytes: their fragments, freed with the reassembled datagram, carry no
            // device (so no namespace either), and are reported where the kernel frees frag_lists
            // (skb_release_data, or on 6.1 the list free it calls)
            Runnable pings = () -> topology.exec(a, "ping", "-c", "3", "-i", "0.2", "-W", "1", "-M", "dont", "-s",
                    "3000", "10.199.172.2");
            Predicate<DropCount> atFragListFrees = drop -> drop.key().reason() == fragListFrees.notSpecifiedReason()
                    && (fragListFrees.releaseData().contains(drop.key().location())
                            || fragListFrees.listFree().contains(drop.key().location()));
            // the kernel reports each fragment after the first as a drop when the datagram is freed
            assertThat(kernel.dropsCounted(MonitorLayout.FragListFrees.NONE, pings, atFragListFrees)).isPositive();
            assertThat(kernel.dropsCounted(fragListFrees, pings, atFragListFrees)).isZero();
        }
    }

    /**
     * Where the kernel reports a list's frees from the list free itself (6.1's older builds), the
     * frag_list ones are told apart by skb_release_data on the stack. Kernels here report them from
     * skb_release_data, so the same test stands in: the closed port's drop function as the list
     * free, ip_protocol_deliver_rcu (on that drop's stack) or tcp_v4_rcv (not on it) as the releaser.
     */
    @Test
    void aFreeFromTheListFreeIsLeftOutOnlyWhenTheReleasingFunctionIsOnItsStack() throws Exception {
        RunningKernel kernel = RunningKernel.read();
        KernelSymbols symbols = kernel.symbols();
        long noSocket = kernel.dropReason("NO_SOCKET");
        try (Topology topology = new Topology()) {
            String a = topology.namespace("la");
            String b = topology.namespace("lb");
            topology.veth(a, "eth0", List.of("10.199.173.1/24"), b, "eth0", List.of("10.199.173.2/24"));
            long inode = topology.inode(b);
            Predicate<DropCount> closedPort = drop -> drop.key().netns() == inode
                    && drop.sample().destinationPort() == 7750;
            KernelSymbols.Span dropper;
            try (MonitorProbes probes = kernel.attach(false, MonitorLayout.FragListFrees.NONE)) {
                topology.sendUdp(a, "10.199.173.2", 7750, 10);
                Supplier<Optional<DropCount>> counted = () -> probes.read().drops().stream().filter(closedPort)
                        .findFirst();
                Waiting.until(() -> counted.get().isPresent(), Duration.ofSeconds(10), 100, () -> "no drop counted");
                long location = counted.get().orElseThrow().key().location();
                dropper = symbols.span(symbols.functionAt(location).orElseThrow()).orElseThrow();
            }
            KernelSymbols.Span onTheStack = symbols.span("ip_protocol_deliver_rcu").orElseThrow();
            KernelSymbols.Span notOnIt = symbols.span("tcp_v4_rcv").orElseThrow();
            Runnable datagrams = () -> {
                for (int i = 0; i < 3; i++) {
                    topology.sendUdp(a, "10.199.173.2", 7750, 10);
                }
            };
            assertThat(kernel.dropsCounted(new MonitorLayout.FragListFrees(noSocket, onTheStack, dropper), datagrams,
                    closedPort)).isZero();
            assertThat(kernel.dropsCounted(new MonitorLayout.FragListFrees(noSocket, notOnIt, dropper), datagrams,
                    closedPort)).isEqualTo(3);
        }
    }

    @Test
    void theRttHistogramSamplesAnEstablishedConnection() throws Exception {
        try (Topology topology = new Topology();
                MonitorProbes probes = RunningKernel.read().attach(true, MonitorLayout.FragListFrees.NONE)) {
            String a = topology.namespace("ra");
            String b = topology.namespace("rb");
            topology.veth(a, "eth0", List.of("10.199.171.1/24"), b, "eth0", List.of("10.199.171.2/24"));
            Process server = topology.start(b, "nc", "-l", "-p", "7740");
            try {
                Thread.sleep(300);
                topology.exec(a, "bash", "-c", "head -c 200000 /dev/zero | nc -q 1 10.199.171.2 7740");
            } finally {
                server.destroy();
            }
            long inode = topology.inode(a);
            long samples = probes.read().rtt().stream().filter(count -> count.netns() == inode)
                    .mapToLong(RttCount::count).sum();
            assertThat(samples).as("the sender's ACKs received, each a smoothed RTT sample").isPositive();
        }
    }
}
