package nettrace.cli;

import java.util.concurrent.Callable;
import nettrace.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** `nettrace demo`: the self-contained diagnosis demo. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Build a small network in namespaces of its own, break it with a firewall rule, and show",
            "nettrace diagnosing the drop. Removes everything it built, also on Ctrl-C. Needs root."})
final class DemoCommand implements Callable<Integer> {
    // declared on NettraceCommand (not added at run time) so the man page and completion generators see it
    @ParentCommand
    private NettraceCommand parent;

    @Override
    public Integer call() {
        return Demo.run(parent.console());
    }
}
