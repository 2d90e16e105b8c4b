package nettrace.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import nettrace.testing.MonitorRun;
import nettrace.testing.PrometheusServer;
import nettrace.testing.RoutedNetwork;
import nettrace.testing.Shell;
import nettrace.testing.Waiting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * nettrace monitor against a real Prometheus scraping it every second: packets dropped on
 * purpose in a client - router - server topology, counted by what Prometheus' own query API
 * answers, with the labels a person reads (the namespaces' `ip netns` names).
 */
@Tag("kernel")
class MonitorKernelTest {
    private static final String SERVER = "10.199.151.1";
    private static final String SPOOFED = "10.199.152.7";

    @TempDir
    static Path folder;

    @RegisterExtension
    static final RoutedNetwork net = new RoutedNetwork("m", "10.199.150", "10.199.151");

    private static String client;
    private static String router;
    private static String server;
    private static MonitorRun monitor;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void startMonitorAndPrometheus() throws Exception {
        assumeTrue(Files.isExecutable(PrometheusServer.BINARY), "needs Prometheus (bin/setup installs it)");
        client = net.client();
        router = net.router();
        server = net.server();
        monitor = MonitorRun.start(folder);
        prometheus = PrometheusServer.scraping(monitor.port(), folder);
    }

    @AfterAll
    static void stopEverything() {
        if (prometheus != null) {
            prometheus.close();
        }
        int exit = monitor == null ? 0 : monitor.stop();
        assertThat(exit).as("exit code after a stop (as SIGTERM)").isZero();
        // the kernel frees a closed program after a grace period, which a busy machine stretches
        Waiting.until(() -> !Shell.check("bpftool", "prog", "show").out().contains("name monitor_"),
                Duration.ofSeconds(10), 200, () -> "monitor programs left attached after the stop");
    }

    /** Sum of the drops Prometheus has for these labels (0 while it has none). */
    private static String drops(String labels) {
        return "sum(nettrace_skb_drops_total{" + labels + "}) or vector(0)";
    }

    /** Drops counted for labels before and after action, as Prometheus sees them once it scraped. */
    private static void assertRise(String labels, int dropped, Runnable action) throws InterruptedException {
        double before = prometheus.values(drops(labels)).getFirst();
        action.run();
        prometheus.awaitValue(drops(labels), values -> values.getFirst() >= before + dropped);
        Thread.sleep(2500); // more scrapes: nothing more may come
        assertThat(prometheus.values(drops(labels))).as(labels + "\n" + monitor.metrics())
                .containsExactly(before + dropped);
    }

    @Test
    void udpToAClosedPortIsCountedAsNoSocketInTheServersNamespace() throws Exception {
        assertRise("reason=\"NO_SOCKET\",location=\"__udp4_lib_rcv\",netns=\"" + server
                + "\",interface=\"eth0\",protocol=\"udp\"", 5, () -> {
                    for (int i = 0; i < 5; i++) {
                        net.sendUdp(client, SERVER, 7700, 20);
                    }
                });
    }

    @Test
    void anNftablesDropIsCountedAsNetfilterDrop() throws Exception {
        net.exec(server, "nft", "add table inet ntmon; add chain inet ntmon input "
                + "{ type filter hook input priority 0; }; add rule inet ntmon input udp dport 7701 drop");
        try {
            // nf_hook_slow frees it, or on recent kernels nft_do_chain itself
            assertRise("reason=\"NETFILTER_DROP\",location=~\"nf_hook_slow|nft_do_chain\",netns=\"" + server
                    + "\",protocol=\"udp\"", 4, () -> {
                        for (int i = 0; i < 4; i++) {
                            net.sendUdp(client, SERVER, 7701, 20);
                        }
                    });
        } finally {
            net.exec(server, "nft", "delete table inet ntmon");
        }
    }

    @Test
    void reversePathFilteringIsCountedOnTheRouter() throws Exception {
        net.exec(router, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.in0.rp_filter=1");
        net.exec(client, "ip", "addr", "add", SPOOFED + "/32", "dev", "eth0");
        try {
            assertRise("reason=\"IP_RPFILTER\",netns=\"" + router + "\",interface=\"in0\",protocol=\"icmp\"", 3,
                    () -> net.tryExec(client, "ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", SPOOFED, SERVER));
        } finally {
            net.exec(client, "ip", "addr", "del", SPOOFED + "/32", "dev", "eth0");
            net.exec(router, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.in0.rp_filter=0");
        }
    }

    @Test
    void aRefusedConnectionCountsAResetEachWayAndAFailedConnect() throws Exception {
        double sent = monitor.value("nettrace_tcp_resets_total", "netns=\"" + server + "\"", "direction=\"sent\"");
        double received = monitor.value("nettrace_tcp_resets_total", "netns=\"" + client + "\"",
                "direction=\"received\"");
        double failed = monitor.value("nettrace_tcp_connect_failures_total", "netns=\"" + client + "\"");
        net.tryExec(client, "nc", "-z", "-w", "2", SERVER, "7702");
        Thread.sleep(300);
        assertThat(monitor.value("nettrace_tcp_resets_total", "netns=\"" + server + "\"", "direction=\"sent\"",
                "reason=\"NO_SOCKET\"")).as(monitor.metrics()).isEqualTo(sent + 1);
        assertThat(monitor.value("nettrace_tcp_resets_total", "netns=\"" + client + "\"", "direction=\"received\""))
                .isEqualTo(received + 1);
        assertThat(monitor.value("nettrace_tcp_connect_failures_total", "netns=\"" + client + "\""))
                .isEqualTo(failed + 1);
    }

    @Test
    void aSynNobodyAnswersIsRetransmitted() throws Exception {
        net.exec(server, "nft", "add table inet ntmonsyn; add chain inet ntmonsyn input "
                + "{ type filter hook input priority 0; }; add rule inet ntmonsyn input tcp dport 7703 drop");
        try {
            double before = monitor.value("nettrace_tcp_retransmits_total", "netns=\"" + client + "\"");
            net.tryExec(client, "nc", "-z", "-w", "2", SERVER, "7703");
            assertThat(monitor.value("nettrace_tcp_retransmits_total", "netns=\"" + client + "\""))
                    .as(monitor.metrics()).isGreaterThanOrEqualTo(before + 1);
        } finally {
            net.exec(server, "nft", "delete table inet ntmonsyn");
        }
    }

    @Test
    void theMonitorsOwnHealthIsExported() {
        net.sendUdp(client, SERVER, 7704, 1);
        String metrics = monitor.metrics();
        assertThat(metrics).contains("nettrace_build_info{version=", "nettrace_scrape_duration_seconds ",
                "nettrace_probe_attached{mechanism=\"tracepoint\",probe=\"skb:kfree_skb\"} 1.0",
                "nettrace_label_sets_folded_total{metric=\"nettrace_skb_drops_total\"} 0.0");
        assertThat(monitor.value("nettrace_bpf_runs_total", "program=\"drop\"")).isPositive();
        assertThat(prometheus.values("nettrace_bpf_run_seconds_total{program=\"drop\"}")).singleElement()
                .satisfies(seconds -> assertThat(seconds).isPositive());
        List<String> started = monitor.log().stream().filter(line -> line.contains("\"event\":\"started\"")).toList();
        assertThat(started).singleElement().asString().contains("\"probe\":\"skb:kfree_skb\"");
    }
}
