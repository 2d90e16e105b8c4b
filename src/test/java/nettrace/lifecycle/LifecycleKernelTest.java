package nettrace.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nettrace.testing.Shell;
import nettrace.testing.RoutedNetwork;
import nettrace.testing.Topology;
import nettrace.testing.TracedRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default mode through a client - router - server topology: one block per skb life, the
 * skb followed through forwarding and NAT, and every filter selecting what it should.
 */
@Tag("kernel")
class LifecycleKernelTest {
    private static final String CLIENT = "10.199.10.1";
    private static final String ROUTER_IN = "10.199.10.254";
    private static final String ROUTER_OUT = "10.199.20.254";
    private static final String SERVER = "10.199.20.1";
    private static final String CLIENT6 = "fd00:199:10::1";
    private static final String SERVER6 = "fd00:199:20::1";
    private static final String HEADER = "\\*{17} [0-9a-f]{8,16}(,[0-9a-f]{8,16})* \\*{15}";

    @RegisterExtension
    static final RoutedNetwork net = new RoutedNetwork("", "10.199.10", "10.199.20", "fd00:199:10::", "fd00:199:20::");

    /** The blocks of a lifecycle run: each a header line followed by its event lines. */
    private static List<List<String>> blocks(TracedRun.Output output) {
        List<List<String>> blocks = new ArrayList<>();
        for (String line : output.lines()) {
            if (line.matches(HEADER)) {
                blocks.add(new ArrayList<>());
            } else if (line.startsWith("[") && !blocks.isEmpty()) {
                blocks.getLast().add(line);
            }
        }
        return blocks;
    }

    private static boolean hasHook(List<String> block, String hook, String text) {
        return block.stream().anyMatch(line -> line.contains("[" + hook + " ") && line.contains(text));
    }

    @Test
    void aForwardedPingIsOneBlockFromTheClientsTransmitToTheServersReceive() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-p", "icmp", "-s", CLIENT)) {
            net.exec(net.client(), "ping", "-c", "1", "-W", "2", SERVER);
            output = run.stop();
        }
        String request = "ICMP: " + CLIENT + " -> " + SERVER + " ping request, seq: 1";
        List<List<String>> blocks = blocks(output);
        assertThat(blocks).as(output.toString()).isNotEmpty();
        List<String> life = blocks.stream().filter(block -> block.size() >= 6).findFirst().orElseThrow(
                () -> new AssertionError("no full life in\n" + output));
        assertThat(life).allMatch(line -> line.contains(request));
        assertThat(life.stream().filter(line -> line.contains("[net_dev_queue ")).count())
                .as("sent by the client, then by the router").isGreaterThanOrEqualTo(2);
        assertThat(life.stream().filter(line -> line.contains("[netif_receive_skb ")).count())
                .as("received by the router, then by the server").isGreaterThanOrEqualTo(2);
        assertThat(life.getLast()).contains("[consume_skb ");
        assertThat(output.lines().stream().filter(line -> line.startsWith("*****")))
                .allMatch(line -> line.matches(HEADER));
    }

    @Test
    void masqueradedPacketsAreFollowedAfterTheirAddressChanges() {
        net.exec(net.router(), "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "out0", "-j", "MASQUERADE");
        try {
            TracedRun.Output requests;
            try (TracedRun run = TracedRun.start("-p", "icmp", "-s", CLIENT)) {
                net.exec(net.client(), "ping", "-c", "1", "-W", "2", SERVER);
                requests = run.stop();
            }
            assertThat(blocks(requests)).as(requests.toString()).anyMatch(block ->
                    hasHook(block, "net_dev_queue", CLIENT + " -> " + SERVER + " ping request")
                    && hasHook(block, "netif_receive_skb", ROUTER_OUT + " -> " + SERVER + " ping request"));

            TracedRun.Output replies;
            try (TracedRun run = TracedRun.start("-p", "icmp", "-d", ROUTER_OUT)) {
                net.exec(net.client(), "ping", "-c", "1", "-W", "2", SERVER);
                replies = run.stop();
            }
            assertThat(blocks(replies)).as(replies.toString()).anyMatch(block ->
                    hasHook(block, "net_dev_queue", SERVER + " -> " + ROUTER_OUT + " ping reply")
                    && hasHook(block, "netif_receive_skb", SERVER + " -> " + CLIENT + " ping reply"));
        } finally {
            net.exec(net.router(), "iptables", "-t", "nat", "-F");
        }
    }

    @Test
    void ipv6PingIsFollowedAcrossTheRouter() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-s", CLIENT6, "-p", "icmpv6")) {
            net.exec(net.client(), "ping", "-6", "-c", "1", "-W", "2", SERVER6);
            output = run.stop();
        }
        String request = "ICMPv6: " + CLIENT6 + " -> " + SERVER6 + " ping request, seq: 1";
        assertThat(blocks(output)).as(output.toString()).anyMatch(block ->
                block.stream().filter(line -> line.contains("[netif_receive_skb ") && line.contains(request))
                        .count() >= 2);
    }

    @Test
    void identicalTrafficInTwoNamespacesIsToldApartByNetns() {
        try (Topology pairs = new Topology()) {
            String first = pairs.namespace("p1a");
            String firstPeer = pairs.namespace("p1b");
            String second = pairs.namespace("p2a");
            String secondPeer = pairs.namespace("p2b");
            pairs.veth(first, "eth0", List.of("10.199.30.1/24"), firstPeer, "eth0", List.of("10.199.30.2/24"));
            pairs.veth(second, "eth0", List.of("10.199.30.1/24"), secondPeer, "eth0", List.of("10.199.30.2/24"));
            TracedRun.Output output;
            try (TracedRun run = TracedRun.start("-p", "icmp", "--netns", Long.toString(pairs.inode(first)),
                    "--detail")) {
                pairs.exec(first, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.199.30.2");
                pairs.exec(second, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.199.30.2");
                output = run.stop();
            }
            // a request life is the skb the first namespace transmits (the kernel may copy the socket's skb first)
            List<List<String>> requests = blocks(output).stream()
                    .filter(block -> hasHook(block, "net_dev_queue", "ping request")).toList();
            assertThat(requests).as(output.toString()).hasSize(2);
            assertThat(requests).allMatch(block -> block.getFirst().contains("[ns:" + pairs.inode(first) + "]"));
            assertThat(output.events()).noneMatch(line -> line.contains("[ns:" + pairs.inode(second) + "]")
                    || line.contains("[ns:" + pairs.inode(secondPeer) + "]"));
        }
    }

    @Test
    void packetLengthSelectsByIpLengthOnIpv4AndIpv6() {
        TracedRun.Output output;
        // IPv4: 20 + 8 + 100 = 128 bytes; IPv6: 40 + 8 + 80 = 128 bytes; the 300-byte payloads are longer
        try (TracedRun run = TracedRun.start("-p", "udp", "--pkt-len", "120-130")) {
            send(net.client(), SERVER, 7201, 100);
            send(net.client(), SERVER, 7202, 300);
            send(net.client(), SERVER6, 7203, 80);
            send(net.client(), SERVER6, 7204, 300);
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString())
                .anyMatch(line -> line.contains(":7201"))
                .anyMatch(line -> line.contains(":7203"))
                .noneMatch(line -> line.contains(":7202") || line.contains(":7204"));
    }

    private static void send(String from, String to, int port, int bytes) {
        net.sendUdp(from, to, port, bytes);
    }

    @Test
    void tcpFlagsSelectHandshakeSegmentsOnly() {
        Process listener = net.start(net.server(), "nc", "-l", "-p", "7300");
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-p", "tcp", "--port", "7300", "--tcp-flags", "S")) {
            net.tryExec(net.client(), "sh", "-c", "echo data | nc -w1 -N " + SERVER + " 7300");
            output = run.stop();
        } finally {
            listener.destroy();
        }
        List<List<String>> blocks = blocks(output);
        assertThat(blocks).as(output.toString())
                .anyMatch(block -> block.getFirst().endsWith("flags:S"))
                .anyMatch(block -> block.getFirst().contains("flags:SA"))
                .allMatch(block -> block.getFirst().matches(".*flags:SA?$"));
    }

    @Test
    void pidSelectsTheProcessWhoseTrafficStartedTheLife() throws Exception {
        Path go = Files.createTempFile("nettrace-pid", ".go");
        Files.delete(go);
        // the process exists before nettrace starts (its pid is the filter) and pings once tracing has begun
        Process pinger = net.start(net.client(), "sh", "-c",
                "while [ ! -e " + go + " ]; do sleep 0.05; done; exec ping -c 1 -W 2 " + SERVER);
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-p", "icmp", "--pid", Long.toString(pinger.pid()), "--detail")) {
            net.exec(net.client(), "ping", "-c", "1", "-W", "2", ROUTER_IN); // another process: not shown
            Files.createFile(go);
            pinger.waitFor();
            output = run.stop();
        } finally {
            Files.deleteIfExists(go);
        }
        assertThat(blocks(output)).as(output.toString()).isNotEmpty()
                .allMatch(block -> block.getFirst().contains("[ping:" + pinger.pid() + "]"));
        assertThat(output.events()).noneMatch(line -> line.contains("-> " + ROUTER_IN));
    }

    @Test
    void detailShowsCpuInterfaceProcessAndNamespace() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-p", "icmp", "-s", CLIENT, "--detail")) {
            net.exec(net.client(), "ping", "-c", "1", "-W", "2", SERVER);
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString()).anyMatch(line -> line.matches(
                ".*\\[net_dev_queue +] \\[cpu:\\d+] \\[eth0] \\[ping:\\d+] \\[ns:" + net.inode(net.client())
                        + "] ICMP: .*"))
                .anyMatch(line -> line.matches(".*\\[netif_receive_skb +] \\[cpu:\\d+] \\[in0] .*\\[ns:"
                        + net.inode(net.router()) + "] ICMP: .*"));
    }

    @Test
    void arpRequestsAndRepliesAreSummarised() {
        net.exec(net.client(), "ip", "neigh", "flush", "dev", "eth0");
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-p", "arp")) {
            net.exec(net.client(), "ping", "-c", "1", "-W", "2", ROUTER_IN);
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString())
                .anyMatch(line -> line.contains("ARP: who has " + ROUTER_IN + ", tell " + CLIENT))
                .anyMatch(line -> line.matches(".*ARP: " + ROUTER_IN + " is at ([0-9a-f]{2}:){5}[0-9a-f]{2}$"))
                .allMatch(line -> line.contains("ARP: "));
    }

    @Test
    void vlanTaggedFramesShowTheirTag() {
        try (Topology tagged = new Topology()) {
            String left = tagged.namespace("vl");
            String right = tagged.namespace("vr");
            tagged.veth(left, "eth0", List.of(), right, "eth0", List.of());
            Shell.Result probe = tagged.tryExec(left, "ip", "link", "add", "link", "eth0", "name", "probe", "type",
                    "vlan", "id", "99");
            assumeTrue(probe.code() == 0, "this kernel has no 802.1Q VLAN support (CONFIG_VLAN_8021Q): "
                    + probe.err().strip());
            for (String[] side : new String[][] {{left, "10.199.40.1/24"}, {right, "10.199.40.2/24"}}) {
                tagged.exec(side[0], "ip", "link", "add", "link", "eth0", "name", "vlan100", "type", "vlan", "id",
                        "100");
                tagged.exec(side[0], "ip", "addr", "add", side[1], "dev", "vlan100");
                tagged.exec(side[0], "ip", "link", "set", "vlan100", "up");
            }
            TracedRun.Output output;
            try (TracedRun run = TracedRun.start("-p", "icmp", "-s", "10.199.40.1")) {
                tagged.exec(left, "ping", "-c", "1", "-W", "2", "10.199.40.2");
                output = run.stop();
            }
            assertThat(output.events()).as(output.toString())
                    .anyMatch(line -> line.contains("vlan:100 ICMP: 10.199.40.1 -> 10.199.40.2 ping request"));
        }
    }

    @Test
    void tinyShowPrintsThePacketOnTheFirstEventOnly() {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("-p", "icmp", "-s", CLIENT, "--tiny-show")) {
            net.exec(net.client(), "ping", "-c", "1", "-W", "2", SERVER);
            output = run.stop();
        }
        List<String> life = blocks(output).stream().filter(block -> block.size() > 3).findFirst().orElseThrow(
                () -> new AssertionError(output.toString()));
        assertThat(life.getFirst()).contains("ICMP: ");
        assertThat(life.subList(1, life.size())).allMatch(line -> line.matches("\\[\\d+\\.\\d{6}] \\[[\\w ]+]$"));
    }

    @Test
    void reusedSkbAddressesAreFilteredAgainNotFollowedBlindly() {
        // TCP receive frees skbs with __kfree_skb, which no tracepoint sees: their addresses stay
        // known to the BPF side and come back in new skbs, which must not inherit the old match
        Process sink = net.start(net.server(), "sh", "-c", "nc -l -p 7500 > /dev/null");
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start("--addr", SERVER, "-p", "tcp", "--port", "7500", "--tcp-flags", "S")) {
            net.tryExec(net.client(), "sh", "-c", "head -c 20000000 /dev/zero | nc -w2 -N " + SERVER + " 7500");
            output = run.stop();
        } finally {
            sink.destroy();
        }
        assertThat(blocks(output)).as(output.toString()).isNotEmpty()
                .allMatch(block -> block.getFirst().matches(".*flags:SA?$"));
        assertThat(output.events()).as("only the handshake's SYN and SYN-ACK lives")
                .allMatch(line -> line.matches(".*flags:SA?( \\*.*)?$"));
    }

    /** Filters that the test traffic (ping, UDP, TCP between client and server) never matches. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-s 10.199.99.1", "-d 10.199.99.1", "--addr 10.199.99.1", "-s fd00:199:99::1",
        "-S 1", "-D 1", "--port 1", "-p sctp", "-p arp", "--netns 1", "--pid 4194000", "--pkt-len 1400-1500",
        "--tcp-flags U", "-p udp -D 9", "-p icmpv6 -s fd00:199:99::1"})
    void filtersThatMatchNothingShowNothing(String filter) {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start(filter.split(" "))) {
            generateTraffic();
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString()).isEmpty();
    }

    /** The same traffic, seen by matching filters: proves the negative cases above could fail. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-s " + CLIENT, "-d " + SERVER, "--addr " + SERVER, "-D 7400", "-S 7400",
        "--port 7400", "-p tcp", "-p udp", "--pkt-len 84", "--tcp-flags F"})
    void theSameTrafficIsSeenByMatchingFilters(String filter) {
        TracedRun.Output output;
        try (TracedRun run = TracedRun.start(filter.split(" "))) {
            generateTraffic();
            output = run.stop();
        }
        assertThat(output.events()).as(output.toString()).isNotEmpty();
    }

    private static void generateTraffic() {
        Process listener = net.start(net.server(), "nc", "-l", "-p", "7400");
        try {
            net.exec(net.client(), "ping", "-c", "1", "-W", "2", SERVER);
            send(net.client(), SERVER, 7401, 20);
            net.tryExec(net.client(), "sh", "-c", "sleep 0.2; echo data | nc -w1 -N " + SERVER + " 7400");
        } finally {
            listener.destroy();
        }
    }
}
