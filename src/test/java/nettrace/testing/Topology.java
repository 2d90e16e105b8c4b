package nettrace.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Network namespaces and links a kernel test builds for itself. Names carry a random
 * suffix so runs never collide; close() removes every namespace it made, which also removes
 * their interfaces and rules. Nothing is created in the host's own namespace. Registered as a
 * test class's extension, it is closed after the class's last test.
 */
public class Topology implements AutoCloseable, AfterAllCallback {
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

    /**
     * A UDP listener on port whose reader is stopped: its socket's receive buffer fills and stays
     * full. The caller destroys the process.
     */
    public Process stoppedUdpReader(String namespace, int port) throws InterruptedException {
        Process reader = start(namespace, "nc", "-u", "-l", "-p", Integer.toString(port));
        Thread.sleep(300);
        exec(namespace, "kill", "-STOP", Long.toString(reader.pid()));
        return reader;
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
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        while (!namespaces.isEmpty()) {
            Shell.run(List.of("ip", "netns", "del", namespaces.pop()), 30);
        }
    }
}
