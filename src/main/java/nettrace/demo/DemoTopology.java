package nettrace.demo;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import nettrace.NettraceException;

/**
 * The demo's small network, built in network namespaces of its own: a client, a router and
 * a server joined by veth pairs. Everything it makes lives inside those namespaces (addresses,
 * routes, the firewall rule), so removing them removes it all; the host's own namespace is
 * never touched. Built with iproute2 and nft, which the demo (and only the demo) runs.
 */
final class DemoTopology implements AutoCloseable {
    static final String PREFIX = "ntdemo-";
    static final String CLIENT_ADDRESS = "10.253.1.1";
    static final String SERVER_ADDRESS = "10.253.2.1";
    private static final String ROUTER_IN = "10.253.1.254";
    private static final String ROUTER_OUT = "10.253.2.254";

    private final String client = PREFIX + "client";
    private final String router = PREFIX + "router";
    private final String server = PREFIX + "server";
    private final List<String> created = new ArrayList<>();

    /** Builds the network, first removing what an interrupted earlier demo may have left. */
    static DemoTopology build() {
        removeLeftovers();
        DemoTopology topology = new DemoTopology();
        try {
            topology.create();
            return topology;
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    private void create() {
        for (String namespace : List.of(client, router, server)) {
            run("ip", "netns", "add", namespace);
            created.add(namespace);
            in(namespace, "ip", "link", "set", "lo", "up");
        }
        run("ip", "link", "add", "eth0", "netns", client, "type", "veth", "peer", "name", "in0", "netns", router);
        run("ip", "link", "add", "out0", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", server);
        address(client, "eth0", CLIENT_ADDRESS);
        address(router, "in0", ROUTER_IN);
        address(router, "out0", ROUTER_OUT);
        address(server, "eth0", SERVER_ADDRESS);
        in(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        in(client, "ip", "route", "add", "default", "via", ROUTER_IN);
        in(server, "ip", "route", "add", "default", "via", ROUTER_OUT);
        ping(); // resolves the neighbours now, so the traced pings are not held for ARP
    }

    private void address(String namespace, String device, String address) {
        in(namespace, "ip", "addr", "add", address + "/24", "dev", device);
        in(namespace, "ip", "link", "set", device, "up");
    }

    /** A firewall on the router that drops the client's pings, as a misconfiguration would. */
    void blockPings() {
        in(router, "nft", "add table inet demo_firewall; add chain inet demo_firewall forward "
                + "{ type filter hook forward priority 0; }; add rule inet demo_firewall forward "
                + "ip saddr " + CLIENT_ADDRESS + " icmp type echo-request drop");
    }

    /** One ping from the client to the server; returns whether it was answered. */
    boolean ping() {
        return exec(List.of("ip", "netns", "exec", client, "ping", "-c", "1", "-W", "1", SERVER_ADDRESS)) == 0;
    }

    private void in(String namespace, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    private static void run(String... command) {
        if (exec(List.of(command)) != 0) {
            throw new NettraceException("demo: `" + String.join(" ", command) + "` failed"
                    + " (the demo needs root, iproute2 and nftables)");
        }
    }

    private static int exec(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new NettraceException("demo: cannot run " + command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void removeLeftovers() {
        for (String namespace : namespaces()) {
            if (namespace.startsWith(PREFIX)) {
                exec(List.of("ip", "netns", "del", namespace));
            }
        }
    }

    /** Names of the namespaces `ip netns` knows. */
    static List<String> namespaces() {
        try {
            Process process = new ProcessBuilder("ip", "netns", "list").redirectInput(new File("/dev/null")).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(10, TimeUnit.SECONDS);
            return text.lines().map(line -> line.split(" ")[0]).filter(name -> !name.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Removes the namespaces, and with them every address, route and rule made inside. */
    @Override
    public void close() {
        for (int i = created.size() - 1; i >= 0; i--) {
            exec(List.of("ip", "netns", "del", created.get(i)));
        }
        created.clear();
    }
}
