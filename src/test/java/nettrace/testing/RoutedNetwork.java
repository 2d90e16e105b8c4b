package nettrace.testing;

import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * client (eth0) - (in0) router (out0) - (eth0) server, the router forwarding between two /24s:
 * the client is clientNet.1 and the router clientNet.254, the server serverNet.1 and the router
 * serverNet.254; likewise ::1 and ::fe in two /64s when IPv6 prefixes ("fd00:199:10::") are
 * given. Both ends route through the router; one ping resolves the neighbours before tracing.
 * Registered as a test class's extension, it is built before the class's first test and removed
 * after its last.
 */
public final class RoutedNetwork extends Topology implements BeforeAllCallback {
    private final String prefix;
    private final String clientNet;
    private final String serverNet;
    private final String clientNet6;
    private final String serverNet6;
    private String client;
    private String router;
    private String server;

    public RoutedNetwork(String prefix, String clientNet, String serverNet, String clientNet6, String serverNet6) {
        this.prefix = prefix;
        this.clientNet = clientNet;
        this.serverNet = serverNet;
        this.clientNet6 = clientNet6;
        this.serverNet6 = serverNet6;
    }

    /** IPv4 only. */
    public RoutedNetwork(String prefix, String clientNet, String serverNet) {
        this(prefix, clientNet, serverNet, null, null);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        build();
    }

    /** Creates the namespaces "prefix" + client, router, server and everything between them. */
    public void build() {
        client = namespace(prefix + "client");
        router = namespace(prefix + "router");
        server = namespace(prefix + "server");
        veth(client, "eth0", subnet(clientNet, clientNet6, ".1", "1"), router, "in0",
                subnet(clientNet, clientNet6, ".254", "fe"));
        veth(router, "out0", subnet(serverNet, serverNet6, ".254", "fe"), server, "eth0",
                subnet(serverNet, serverNet6, ".1", "1"));
        exec(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        exec(client, "ip", "route", "add", "default", "via", clientNet + ".254");
        exec(server, "ip", "route", "add", "default", "via", serverNet + ".254");
        if (clientNet6 != null) {
            exec(router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            exec(client, "ip", "-6", "route", "add", "default", "via", clientNet6 + "fe");
            exec(server, "ip", "-6", "route", "add", "default", "via", serverNet6 + "fe");
        }
        // a ping a second until one comes back: on a loaded machine (guests emulated beside the
        // tests) the first neighbour resolution was seen to fail its three probes
        exec(client, "ping", "-c", "1", "-w", "20", serverNet + ".1");
    }

    private static List<String> subnet(String net, String net6, String host, String host6) {
        return net6 == null ? List.of(net + host + "/24") : List.of(net + host + "/24", net6 + host6 + "/64");
    }

    /** The client's namespace. */
    public String client() {
        return client;
    }

    /** The router's namespace. */
    public String router() {
        return router;
    }

    /** The server's namespace. */
    public String server() {
        return server;
    }
}
