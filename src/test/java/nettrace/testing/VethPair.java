package nettrace.testing;

import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Two namespaces, "prefix" + a and b, joined by one veth pair with the given addresses; A pings
 * B's first IPv4 address once so that neighbours are resolved before tracing. Registered as a
 * test class's extension, it is built before the class's first test and removed after its last;
 * otherwise build() and close() it.
 */
public final class VethPair extends Topology implements BeforeAllCallback {
    private final String prefix;
    private final String interfaceA;
    private final List<String> addressesA;
    private final String interfaceB;
    private final List<String> addressesB;
    private String a;
    private String b;

    public VethPair(String prefix, String interfaceA, List<String> addressesA, String interfaceB,
            List<String> addressesB) {
        this.prefix = prefix;
        this.interfaceA = interfaceA;
        this.addressesA = addressesA;
        this.interfaceB = interfaceB;
        this.addressesB = addressesB;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        build();
    }

    /** Creates the pair now, for a test that closes it itself. */
    public VethPair build() {
        a = namespace(prefix + "a");
        b = namespace(prefix + "b");
        veth(a, interfaceA, addressesA, b, interfaceB, addressesB);
        addressesB.stream().filter(address -> !address.contains(":")).findFirst()
                .ifPresent(address -> exec(a, "ping", "-c", "1", "-w", "20", address.substring(0, address.indexOf('/'))));
        return this;
    }

    /** A's namespace. */
    public String a() {
        return a;
    }

    /** B's namespace. */
    public String b() {
        return b;
    }
}
