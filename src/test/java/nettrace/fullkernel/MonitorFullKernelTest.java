package nettrace.fullkernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.monitor.probe.DropCount;
import nettrace.monitor.probe.MonitorLayout;
import nettrace.monitor.probe.MonitorPlan;
import nettrace.monitor.probe.MonitorProbes;
import nettrace.testing.MonitorRun;
import nettrace.testing.RoutedNetwork;
import nettrace.testing.Shell;
import nettrace.testing.Waiting;
import nettrace.tracer.Mechanism;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor where netfilter can be traced (vm/test runs this on Debian's kernels): drops by
 * nftables and by iptables-legacy carry their hook, table and chain, through fentry, and through
 * kprobe/kretprobe where fentry is refused.
 */
@Tag("kernel")
@Tag("fullkernel")
@EnabledIf(value = "nettrace.fullkernel.FullKernelTest#fullKernel",
        disabledReason = "needs a kernel with fentry and kprobes (vm/test runs this on Debian's kernels)")
class MonitorFullKernelTest {
    private static final String SERVER = "10.199.161.1";
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    @TempDir
    static Path folder;

    @RegisterExtension
    static final RoutedNetwork net = new RoutedNetwork("n", "10.199.160", "10.199.161");

    private static MonitorRun monitor;

    @BeforeAll
    static void startTheMonitor() {
        // the tables' modules must be loaded for the monitor to find their functions
        net.exec(net.router(), "nft", "add table inet ntmon_full; add chain inet ntmon_full forward "
                + "{ type filter hook forward priority 0; }");
        net.exec(net.router(), "iptables-legacy", "-L", "FORWARD");
        monitor = MonitorRun.start(folder, "-p", "udp");
    }

    @AfterAll
    static void stop() {
        if (monitor != null) {
            assertThat(monitor.stop()).isZero();
        }
    }

    private static void send(int port, int datagrams) {
        for (int i = 0; i < datagrams; i++) {
            net.sendUdp(net.client(), SERVER, port, 20);
        }
    }

    @Test
    void theNetfilterFunctionsAreAttachedByFentry() {
        assertThat(monitor.metrics()).contains(
                "nettrace_probe_attached{mechanism=\"fentry\",probe=\"nft_do_chain\"} 1.0",
                "nettrace_probe_attached{mechanism=\"fentry\",probe=\"ipt_do_table\"} 1.0");
    }

    @Test
    void anNftablesDropNamesItsHookTableAndChain() throws Exception {
        net.exec(net.router(), "nft", "add rule inet ntmon_full forward udp dport 7720 drop");
        String[] labels = {"reason=\"NETFILTER_DROP\"", "netns=\"" + net.router() + "\"", "hook=\"FORWARD\"",
            "table=\"ntmon_full\"", "chain=\"forward\"", "protocol=\"udp\""};
        try {
            double before = monitor.value("nettrace_skb_drops_total", labels);
            send(7720, 3);
            Thread.sleep(500);
            assertThat(monitor.value("nettrace_skb_drops_total", labels)).as(monitor.metrics()).isEqualTo(before + 3);
        } finally {
            net.exec(net.router(), "nft", "flush chain inet ntmon_full forward");
        }
    }

    @Test
    void anIptablesLegacyDropNamesItsTableAndChain() throws Exception {
        net.exec(net.router(), "iptables-legacy", "-A", "FORWARD", "-p", "udp", "--dport", "7721", "-j", "DROP");
        String[] labels = {"reason=\"NETFILTER_DROP\"", "netns=\"" + net.router() + "\"", "hook=\"FORWARD\"",
            "table=\"filter\"", "chain=\"FORWARD\""};
        try {
            double before = monitor.value("nettrace_skb_drops_total", labels);
            send(7721, 2);
            Thread.sleep(500);
            assertThat(monitor.value("nettrace_skb_drops_total", labels)).as(monitor.metrics()).isEqualTo(before + 2);
        } finally {
            net.exec(net.router(), "iptables-legacy", "-F", "FORWARD");
        }
    }

    @Test
    void whereFentryIsRefusedKprobesNameTheTableAndChain() throws Exception {
        Btf btf = Btf.read(VMLINUX);
        KernelSymbols symbols = KernelSymbols.read();
        KernelFeatures probed = KernelFeatures.probe(btf, symbols);
        KernelFeatures noFentry = new KernelFeatures(Optional.of("refused for this test"),
                probed.kprobeUnavailable(), probed.kprobeMultiUnavailable());
        MonitorPlan plan = MonitorPlan.of(new KernelBtf(btf, true), symbols, noFentry, false);
        net.exec(net.router(), "nft", "add rule inet ntmon_full forward udp dport 7722 drop");
        long netfilterDrop = btf.enumValues("skb_drop_reason").entrySet().stream()
                .filter(reason -> reason.getValue().equals("SKB_DROP_REASON_NETFILTER_DROP")).findFirst()
                .orElseThrow().getKey();
        try (MonitorProbes probes = MonitorProbes.attach(plan, new MonitorProbes.Settings(List.of(),
                MonitorLayout.NO_REASON, netfilterDrop, MonitorLayout.FragListFrees.NONE, 4096), noFentry, line -> { })) {
            assertThat(probes.attached()).anyMatch(a -> a.probe().equals("nft_do_chain")
                    && a.mechanism() == Mechanism.KPROBE);
            send(7722, 2);
            Thread.sleep(500);
            long counted = probes.read().drops().stream().filter(drop -> drop.key().netfilter().source()
                    == DropCount.NetfilterVerdict.Source.NFTABLES && drop.key().netfilter().table().equals("ntmon_full"))
                    .mapToLong(DropCount::packets).sum();
            assertThat(counted).isEqualTo(2);
        } finally {
            net.exec(net.router(), "nft", "flush chain inet ntmon_full forward");
        }
    }

    @Test
    void withoutCapSysAdminTheMonitorStillCountsAndSaysWhatIsMissing() throws Exception {
        String caps = String.join(",+", grantable(List.of("bpf", "perfmon", "net_admin", "sys_ptrace",
                "dac_read_search", "syslog", "sys_resource")));
        Path log = folder.resolve("without-sys-admin.log");
        Path output = folder.resolve("without-sys-admin.out");
        int port = MonitorRun.freePort();
        Process process = new ProcessBuilder("setpriv", "--bounding-set=-all,+" + caps, "--inh-caps=-all,+" + caps,
                "--ambient-caps=-all,+" + caps, Path.of("bin/nettrace").toAbsolutePath().toString(), "monitor",
                "--listen", "127.0.0.1:" + port, "--log", log.toString()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        try {
            Waiting.until(() -> !process.isAlive() || read(log).contains("\"event\":\"started\""),
                    Duration.ofSeconds(Long.getLong("nettrace.test.timeout", 120)), 200, () -> "no start");
            assertThat(process.isAlive()).as(read(output)).isTrue();
            String metrics = Shell.check("curl", "-s", "http://127.0.0.1:" + port + "/metrics").out();
            assertThat(metrics).contains("nettrace_probe_attached{mechanism=\"tracepoint\",probe=\"skb:kfree_skb\"} 1.0");
            // where nf_tables is a module its BTF is out of reach: the chains go unnamed, and the log says why
            assertThat(read(log)).containsPattern("\"probe\":\"nft_do_chain\",\"(mechanism|reason)\"");
        } finally {
            // one that ended by itself has said why in its output (the assertion above shows it)
            if (process.isAlive()) {
                Shell.check("kill", "-TERM", Long.toString(process.pid()));
                process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        assertThat(process.exitValue()).as(read(output)).isZero();
    }

    /** Those of the unit's capabilities that this process may hand on (some sandboxes drop sys_resource). */
    private static List<String> grantable(List<String> capabilities) throws java.io.IOException {
        java.util.Map<String, Integer> bits = java.util.Map.of("bpf", 39, "perfmon", 38, "net_admin", 12,
                "sys_ptrace", 19, "dac_read_search", 2, "syslog", 34, "sys_resource", 24);
        long bounding = java.nio.file.Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("CapBnd:")).mapToLong(line -> Long.parseUnsignedLong(
                        line.substring("CapBnd:".length()).strip(), 16)).findFirst().orElse(-1L);
        return capabilities.stream().filter(name -> (bounding >>> bits.get(name) & 1) == 1).toList();
    }

    private static String read(Path file) {
        try {
            return java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
