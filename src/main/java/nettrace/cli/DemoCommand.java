package nettrace.cli;

import java.util.concurrent.Callable;
import nettrace.demo.Demo;
import nettrace.output.Console;
import picocli.CommandLine.Command;

/** `nettrace demo`: the self-contained diagnosis demo. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Build a small network in namespaces of its own, break it with a firewall rule, and show",
            "nettrace diagnosing the drop. Removes everything it built, also on Ctrl-C. Needs root."})
final class DemoCommand implements Callable<Integer> {
    private final Console console;

    DemoCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        return Demo.run(console);
    }
}
