package nettrace.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import nettrace.testing.Shell;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** `bin/nettrace demo` as the README runs it: a diagnosed drop, and nothing left behind. */
@Tag("kernel")
class DemoKernelTest {
    private static String hostState() {
        return Shell.check("nft", "list", "ruleset").out() + Shell.check("ip", "route", "show", "table", "all").out()
                + Shell.check("ip", "link", "show").out();
    }

    @Test
    void diagnosesTheFirewallDropAndRemovesEverything() {
        String before = hostState();
        Shell.Result demo = Shell.run(List.of(Path.of("bin/nettrace").toAbsolutePath().toString(), "demo"), 120);
        assertThat(demo.code()).as(demo.out() + demo.err()).isZero();
        assertThat(demo.out())
                .contains("this is a good packet!")
                .contains("---------------- ANALYSIS RESULT ---------------------")
                .contains("NETFILTER_DROP")
                .contains("analysis finished!")
                .endsWith("are removed.\n");
        assertThat(DemoTopology.namespaces()).noneMatch(name -> name.startsWith(DemoTopology.PREFIX));
        assertThat(hostState()).as("the host's firewall, routes and links").isEqualTo(before);
    }

    @Test
    void ctrlCStillRemovesTheNetwork() throws Exception {
        Process demo = new ProcessBuilder(Path.of("bin/nettrace").toAbsolutePath().toString(), "demo")
                .redirectErrorStream(true).start();
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(demo.getInputStream()));
        String line;
        while ((line = reader.readLine()) != null && !line.equals("begin trace...")) {
            // the network exists from here on
        }
        Shell.check("kill", "-INT", Long.toString(demo.pid()));
        demo.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        demo.waitFor();
        assertThat(DemoTopology.namespaces()).noneMatch(name -> name.startsWith(DemoTopology.PREFIX));
    }
}
