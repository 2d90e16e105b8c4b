package nettrace.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Network namespaces and links a kernel test builds for itself. Names carry a random
 * suffix so runs never collide; close() removes every namespace it made, which also removes
 * their interfaces and rules. Nothing is created in the host's own namespace.
 */
public final class Topology implements AutoCloseable {
    private final String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    private final Deque<String> namespaces = new ArrayDeque<>();

    /** Creates namespace "nt-ROLE-SUFFIX" with its loopback up; returns its name. */
    public String namespace(String role) {
        String name = "nt-" + role + "-" + suffix;
        Shell.check("ip", "netns", "add", name);
        namespaces.push(name);
        exec(name, "ip", "link", "set", "lo", "up");
        return name;
    }

    /** A veth pair between two namespaces, each end up with its address ("10.1.2.1/24", "fd00::1/64"...). */
    public void veth(String nsA, String ifA, List<String> addressesA, String nsB, String ifB,
            List<String> addressesB) {
        Shell.check("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        configure(nsA, ifA, addressesA);
        configure(nsB, ifB, addressesB);
    }

    /** The namespaces of {@link #routed}. */
    public record Routed(String client, String router, String server) {
    }

    /**
     * client (eth0) - (in0) router (out0) - (eth0) server, the router forwarding between two /24s:
     * the client is clientNet.1 and the router clientNet.254, the server serverNet.1 and the router
     * serverNet.254; likewise ::1 and ::fe in two /64s when IPv6 prefixes ("fd00:199:10::") are
     * given. Both ends route through the router; one ping resolves the neighbours before tracing.
     * Namespaces are named prefix + "client", "router", "server".
     */
    public Routed routed(String prefix, String clientNet, String serverNet, String clientNet6, String serverNet6) {
        boolean ipv6 = clientNet6 != null;
        Routed routed = new Routed(namespace(prefix + "client"), namespace(prefix + "router"),
                namespace(prefix + "server"));
        veth(routed.client(), "eth0", subnet(clientNet, clientNet6, ".1", "1"), routed.router(), "in0",
                subnet(clientNet, clientNet6, ".254", "fe"));
        veth(routed.router(), "out0", subnet(serverNet, serverNet6, ".254", "fe"), routed.server(), "eth0",
                subnet(serverNet, serverNet6, ".1", "1"));
        exec(routed.router(), "sysctl", "-qw", "net.ipv4.ip_forward=1");
        exec(routed.client(), "ip", "route", "add", "default", "via", clientNet + ".254");
        exec(routed.server(), "ip", "route", "add", "default", "via", serverNet + ".254");
        if (ipv6) {
            exec(routed.router(), "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            exec(routed.client(), "ip", "-6", "route", "add", "default", "via", clientNet6 + "fe");
            exec(routed.server(), "ip", "-6", "route", "add", "default", "via", serverNet6 + "fe");
        }
        exec(routed.client(), "ping", "-c", "1", "-W", "5", serverNet + ".1");
        return routed;
    }

    /** IPv4-only routed topology. */
    public Routed routed(String prefix, String clientNet, String serverNet) {
        return routed(prefix, clientNet, serverNet, null, null);
    }

    private static List<String> subnet(String net, String net6, String host, String host6) {
        return net6 == null ? List.of(net + host + "/24") : List.of(net + host + "/24", net6 + host6 + "/64");
    }

    private void configure(String namespace, String name, List<String> addresses) {
        for (String address : addresses) {
            List<String> command = new ArrayList<>(List.of("ip"));
            if (address.contains(":")) {
                command.add("-6");
            }
            command.addAll(List.of("addr", "add", address, "dev", name));
            if (address.contains(":")) {
                command.add("nodad");
            }
            exec(namespace, command.toArray(String[]::new));
        }
        exec(namespace, "ip", "link", "set", name, "up");
    }

    /** Runs a command inside a namespace and fails the test if it fails. */
    public Shell.Result exec(String namespace, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return Shell.run(full, 60).orFail(full);
    }

    /** Runs a command inside a namespace whatever its exit code. */
    public Shell.Result tryExec(String namespace, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return Shell.run(full, 60);
    }

    /** Sends one UDP datagram of `bytes` zero bytes (one write, so exactly one datagram, unlike nc -u). */
    public void sendUdp(String namespace, String host, int port, int bytes) {
        exec(namespace, "bash", "-c", "head -c " + bytes + " /dev/zero > /dev/udp/" + host + "/" + port);
    }

    /** Starts a long-running command (a server) inside a namespace. */
    public Process start(String namespace, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        try {
            return new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The namespace's inode, as nettrace reports it (--detail) and filters on (--netns). */
    public long inode(String namespace) {
        try {
            return (long) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/run/netns", namespace), "unix:ino");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        while (!namespaces.isEmpty()) {
            Shell.run(List.of("ip", "netns", "del", namespaces.pop()), 30);
        }
    }
}
