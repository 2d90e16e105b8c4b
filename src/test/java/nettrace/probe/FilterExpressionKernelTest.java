package nettrace.probe;

import static nettrace.testing.RawFrames.ICMP;
import static nettrace.testing.RawFrames.ICMPV6;
import static nettrace.testing.RawFrames.TCP;
import static nettrace.testing.RawFrames.UDP;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import nettrace.testing.CaptureFile;
import nettrace.testing.RawFrames;
import nettrace.testing.Shell;
import nettrace.testing.Topology;
import nettrace.testing.TracedRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * --filter against tcpdump itself: crafted frames (TCP flags, UDP, ICMP, ICMPv6, ARP, IPv4
 * fragments, VLAN tags, v4 and v6, many ports and sizes) go from one namespace to another while
 * tcpdump -i and nettrace --filter run with the same expression on the receiving link; both must
 * see exactly the same frames. Frames tagged in the frame itself are compared with tcpdump reading
 * the capture back (-r), as nettrace sees them: on the wire, tag included. A live capture on Linux
 * sees them with the tag taken out, so there `udp` also matches tagged UDP (docs/filters.md).
 */
@Tag("kernel")
class FilterExpressionKernelTest {
    private static final byte[] MAC_1 = RawFrames.mac("02:00:00:00:00:01");
    private static final byte[] MAC_2 = RawFrames.mac("02:00:00:00:00:02");
    private static final String ONE_TO_NINETY_NINE = IntStream.rangeClosed(1, 99).mapToObj(port -> "port " + port)
            .collect(Collectors.joining(" or "));

    static final List<String> EXPRESSIONS = List.of(
            "tcp", "udp", "icmp", "not tcp",
            "tcp[tcpflags] & tcp-syn != 0",
            "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
            "tcp[tcpflags] & (tcp-rst|tcp-fin) != 0",
            "ip[6:2] & 0x1fff != 0",
            "ip[6:2] & 0x2000 != 0",
            "vlan", "vlan 10", "vlan and udp port 5050", "not vlan",
            "ip6", "ip6 and icmp6", "icmp6 and ip6[40] == 128", "ip6 and tcp",
            "less 100", "greater 400", "ip and len >= 200 and len <= 400",
            "ether host 02:00:00:00:00:02", "ether broadcast", "arp",
            "portrange 5000-5100", "udp portrange 5000-5100 and not port 5050",
            "net 10.77.2.0/24", "not net 10.77.0.0/16",
            "src host 10.77.1.1 and dst port 80", "tcp port 80 or udp port 53",
            "icmp[icmptype] == icmp-echo",
            ONE_TO_NINETY_NINE);

    @RegisterExtension
    static final Topology topology = new Topology();
    private static String sender;
    private static String receiver;
    private static byte[] receiverMac;

    @BeforeAll
    static void buildTopology() {
        sender = topology.namespace("fa");
        receiver = topology.namespace("fb");
        // no IPv6 addresses, no neighbour discovery: the crafted frames are all that crosses the link
        for (String namespace : List.of(sender, receiver)) {
            topology.exec(namespace, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1");
        }
        topology.veth(sender, "veth-fa", List.of(), receiver, "veth-fb", List.of());
        receiverMac = RawFrames.mac(topology.exec(receiver, "cat", "/sys/class/net/veth-fb/address").out().strip());
    }

    private static RawFrames frames() {
        String a = "10.77.1.1";
        String b = "10.77.2.2";
        String a6 = "fd77::1";
        String b6 = "fd77::2";
        return new RawFrames(receiverMac)
                .ipv4(40, a, b, TCP, RawFrames.tcp(40000, 80, 0x02), 0, 0, MAC_1)
                .ipv4(44, b, a, TCP, RawFrames.tcp(80, 40000, 0x12), 0, 0, MAC_1)
                .ipv4(52, a, b, TCP, RawFrames.tcp(40000, 80, 0x10), 0, 0, MAC_1)
                .ipv4(300, a, b, TCP, RawFrames.tcp(40000, 80, 0x18), 0, 0, MAC_1)
                .ipv4(56, a, b, TCP, RawFrames.tcp(40000, 80, 0x11), 0, 0, MAC_1)
                .ipv4(60, a, b, TCP, RawFrames.tcp(40001, 443, 0x04), 0, 0, MAC_1)
                .ipv4(64, "10.77.3.3", b, TCP, RawFrames.tcp(5050, 22, 0x02), 0, 0, MAC_1)
                .ipv4(420, a, b, TCP, RawFrames.tcp(40002, 8080, 0x18), 0, 0, MAC_2)
                .ipv4(68, "10.77.9.9", b, TCP, RawFrames.tcp(40012, 5001, 0x12), 0, 0, MAC_2)
                .ipv4(61, a, b, UDP, RawFrames.udp(40003, 53), 0, 0, MAC_1)
                .ipv4(76, a, b, UDP, RawFrames.udp(123, 123), 0, 0, MAC_1)
                .ipv4(100, a, b, UDP, RawFrames.udp(40004, 5000), 0, 0, MAC_1)
                .ipv4(150, a, b, UDP, RawFrames.udp(40005, 5050), 0, 0, MAC_1)
                .ipv4(200, a, b, UDP, RawFrames.udp(40006, 5100), 0, 0, MAC_1)
                .ipv4(250, a, b, UDP, RawFrames.udp(40007, 5101), 0, 0, MAC_2)
                .ipv4(500, "198.18.0.1", "198.18.0.2", UDP, RawFrames.udp(40008, 9999), 0, 0, MAC_1)
                .ipv4(84, a, b, ICMP, RawFrames.icmp(8, 0), 0, 0, MAC_1)
                .ipv4(88, b, a, ICMP, RawFrames.icmp(0, 0), 0, 0, MAC_1)
                .ipv4(92, a, b, ICMP, RawFrames.icmp(3, 3), 0, 0, MAC_1)
                .ipv4(120, a, b, UDP, RawFrames.udp(40009, 5050), 0x2000, 0, MAC_1)
                .ipv4(128, a, b, UDP, new byte[0], 0x2000 | 13, 0, MAC_1)
                .ipv4(132, a, b, UDP, new byte[0], 26, 0, MAC_1)
                .ipv4(140, a, b, UDP, RawFrames.udp(40010, 5050), 0, 10, MAC_1)
                .ipv4(48, a, b, TCP, RawFrames.tcp(40011, 80, 0x02), 0, 20, MAC_1)
                .ipv4(96, a, b, ICMP, RawFrames.icmp(8, 0), 0, 10, MAC_2)
                .ipv6(60, a6, b6, TCP, RawFrames.tcp(40013, 80, 0x02), MAC_1)
                .ipv6(70, a6, b6, UDP, RawFrames.udp(40014, 53), MAC_1)
                .ipv6(104, a6, b6, ICMPV6, RawFrames.icmp(128, 0), MAC_1)
                .ipv6(72, a6, "ff02::1:ff00:2", ICMPV6, RawFrames.icmp(135, 0), MAC_2)
                .ipv6(140, a6, b6, UDP, RawFrames.udp(40015, 5100), MAC_1)
                .arp(true, a, b, MAC_1)
                .arp(false, "10.77.1.7", a, MAC_2);
    }

    @Test
    void nettraceSeesExactlyWhatTcpdumpSees() throws Exception {
        RawFrames frames = frames();
        Set<String> tagged = frames.frames().stream()
                .filter(frame -> (frame.bytes()[12] & 0xff) == 0x81).map(RawFrames.Frame::key)
                .collect(Collectors.toSet());
        Path folder = Files.createTempDirectory("nettrace-filter");
        List<Process> captures = new ArrayList<>();
        Map<String, TracedRun> runs = new LinkedHashMap<>();
        ExecutorService starting = Executors.newFixedThreadPool(4);
        try {
            Path everything = folder.resolve("all.pcap");
            captures.add(capture(everything, folder.resolve("all.err"), List.of()));
            for (int i = 0; i < EXPRESSIONS.size(); i++) {
                captures.add(capture(folder.resolve(i + ".pcap"), folder.resolve(i + ".err"),
                        List.of(EXPRESSIONS.get(i))));
            }
            String netns = Long.toString(topology.inode(receiver));
            Map<String, CompletableFuture<TracedRun>> started = new LinkedHashMap<>();
            for (String expression : EXPRESSIONS) {
                started.put(expression, CompletableFuture.supplyAsync(() -> TracedRun.start("--basic", "-t",
                        "netif_receive_skb", "--netns", netns, "--output", "json", "-f", expression), starting));
            }
            for (Map.Entry<String, CompletableFuture<TracedRun>> entry : started.entrySet()) {
                runs.put(entry.getKey(), entry.getValue().join());
            }
            frames.send(topology, sender, "veth-fa");
            Thread.sleep(500);
            Map<String, TracedRun.Output> outputs = new LinkedHashMap<>();
            runs.forEach((expression, run) -> outputs.put(expression, run.stop()));
            stop(captures);

            Set<String> sent = frames.frames().stream().map(RawFrames.Frame::key)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            assertThat(CaptureFile.keys(everything)).as("tcpdump saw every frame sent").isEqualTo(sent);
            for (int i = 0; i < EXPRESSIONS.size(); i++) {
                String expression = EXPRESSIONS.get(i);
                TracedRun.Output output = outputs.get(expression);
                assertThat(output.exitCode()).as(expression + ": " + output).isZero();
                Set<String> seen = keys(output);
                Set<String> live = CaptureFile.keys(folder.resolve(i + ".pcap"));
                Set<String> onTheWire = offline(everything, expression, folder.resolve(i + "-offline.pcap"));
                assertThat(onTheWire).as(expression + ": a test that can fail").isNotEmpty().isNotEqualTo(sent);
                assertThat(seen).as(expression + ": nettrace vs tcpdump -r").isEqualTo(onTheWire);
                assertThat(without(seen, tagged)).as(expression + ": nettrace vs tcpdump -i, untagged frames")
                        .isEqualTo(without(live, tagged));
            }
        } finally {
            starting.shutdownNow();
            runs.values().forEach(TracedRun::close);
            stop(captures);
            try (var files = Files.list(folder)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(folder);
        }
    }

    /** tcpdump on the receiving link, writing every matching frame at once; returns once it listens. */
    private static Process capture(Path file, Path errors, List<String> expression) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", receiver, "tcpdump", "-i", "veth-fb",
                "-U", "-Z", "root", "-w", file.toString()));
        command.addAll(expression);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(errors.toFile())
                .start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.readString(errors).contains("listening on")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("tcpdump " + expression + " did not start: " + Files.readString(errors));
            }
            Thread.sleep(20);
        }
        return process;
    }

    private static void stop(List<Process> captures) throws InterruptedException {
        for (Process process : captures) {
            process.destroy();
        }
        for (Process process : captures) {
            process.waitFor();
        }
    }

    /** What tcpdump matches reading the capture back: the frames as on the wire, VLAN tags in place. */
    private static Set<String> offline(Path everything, String expression, Path matched) {
        Shell.check("tcpdump", "-r", everything.toString(), "-w", matched.toString(), expression);
        return CaptureFile.keys(matched);
    }

    /** The frames nettrace reported, by the key RawFrames gives them. */
    private static Set<String> keys(TracedRun.Output output) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Set<String> keys = new LinkedHashSet<>();
        for (String line : output.lines()) {
            JsonNode event = json.readTree(line);
            if (!event.path("type").asText().equals("event")) {
                continue;
            }
            keys.add(key(event.path("packet")));
        }
        return keys;
    }

    /**
     * The key of a reported packet. Two quirks of the packet decoding, not of the filter, are read
     * through here: at netif_receive_skb a frame's inline VLAN tag is decoded as if the IP header
     * started at the tag, so l3 shows the IP length ("0x008c"); and JSON writes an ARP address as
     * IPv6 ("a4d:101::" for 10.77.1.1).
     */
    private static String key(JsonNode packet) throws IOException {
        String l3 = packet.path("l3").asText();
        if (l3.equals("arp")) {
            byte[] address = java.net.InetAddress.getByName(packet.path("saddr").asText()).getAddress();
            return "arp/" + java.net.InetAddress.getByAddress(java.util.Arrays.copyOf(address, 4)).getHostAddress();
        }
        if (l3.startsWith("0x") && packet.path("length").asInt() == 0) {
            return "ipv4/" + Integer.parseInt(l3.substring(2), 16);
        }
        return l3 + "/" + packet.path("length").asInt();
    }

    private static Set<String> without(Set<String> keys, Set<String> left) {
        Set<String> rest = new LinkedHashSet<>(keys);
        rest.removeAll(left);
        return rest;
    }
}
