package nettrace.demo;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import nettrace.config.Config;
import nettrace.config.IpAddress;
import nettrace.config.Mode;
import nettrace.config.PacketFilter;
import nettrace.config.Protocol;
import nettrace.output.Console;
import nettrace.trace.Nettrace;
import nettrace.trace.RunControl;

/**
 * `nettrace demo`: a diagnosed drop, self-contained. It builds a client - router - server
 * network in namespaces of its own, traces the client's pings with --diag, lets one through,
 * then makes the router's firewall drop them, and shows nettrace's analysis. Everything it
 * built is removed afterwards, also after Ctrl-C.
 */
public final class Demo {
    private static final Duration LONGEST = Duration.ofSeconds(30);
    private static final String DIAGNOSED = "first error diagnosed";

    private Demo() {
    }

    public static int run(Console console) {
        console.lineNow("""
                demo: building a client (%s) - router - server (%s) network in namespaces %s*
                demo: the first ping goes through; then a firewall rule on the router drops pings,
                demo: and nettrace --diag -p icmp -s %s finds where and why.
                """.formatted(DemoTopology.CLIENT_ADDRESS, DemoTopology.SERVER_ADDRESS, DemoTopology.PREFIX,
                DemoTopology.CLIENT_ADDRESS));
        RunControl control = new RunControl().onSignals();
        int code;
        try (DemoTopology topology = DemoTopology.build()) {
            Thread traffic = Thread.ofVirtual().start(() -> sendPings(topology, control));
            code = Nettrace.run(config(), console, control);
            traffic.interrupt();
        } finally {
            control.markFinished();
        }
        boolean diagnosed = DIAGNOSED.equals(control.reason());
        console.lineNow(diagnosed
                ? "demo: done; the demo's namespaces, and the firewall rule inside them, are removed."
                : "demo: stopped (" + control.reason() + ") before the drop was diagnosed; its namespaces are removed.");
        return diagnosed ? code : 1;
    }

    private static void sendPings(DemoTopology topology, RunControl control) {
        try {
            if (!control.awaitBegin(LONGEST.toMillis())) {
                return;
            }
            topology.ping();
            Thread.sleep(300);
            topology.blockPings();
            long deadline = System.nanoTime() + LONGEST.toNanos();
            while (!control.stopped() && System.nanoTime() < deadline) {
                topology.ping();
            }
            control.stop("demo timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            control.stop("demo traffic failed: " + e.getMessage());
        }
    }

    private static Config config() {
        PacketFilter filter = new PacketFilter(Optional.of(IpAddress.parse(DemoTopology.CLIENT_ADDRESS, "demo")),
                Optional.empty(), Optional.empty(), 0, 0, 0, Optional.of(Protocol.parse("icmp")), 0, 0, 0, 0, 0,
                Optional.empty());
        return new Config(Mode.DIAG, filter, Config.TracerSelection.DEFAULTS, Config.OutputOptions.DEFAULTS,
                Config.DiagOptions.DEFAULTS, Config.ModeOptions.DEFAULTS, 0, Optional.of(LONGEST), List.of(), Optional.empty(),
                Config.Verbosity.QUIET, Config.Reading.DEFAULTS);
    }
}
