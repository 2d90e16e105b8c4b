package nettrace.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import nettrace.NettraceException;
import nettrace.output.Console;
import picocli.CommandLine;

/** Runs the command line: parses, executes, and turns every failure into one line and an exit code. */
public final class CommandLineRunner {
    private CommandLineRunner() {
    }

    public static int run(String[] arguments, PrintStream out, PrintStream err) {
        return run(arguments, new Console(out, err), out, err);
    }

    public static int run(String[] arguments, Console console, PrintStream out, PrintStream err) {
        NettraceCommand command = new NettraceCommand();
        command.useConsole(console);
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((exception, args) -> {
            err.println("nettrace: " + oneLine(exception.getMessage()) + " (see nettrace --help)");
            return NettraceException.BAD_INPUT;
        });
        boolean debug = Arrays.asList(arguments).contains("--debug");
        commandLine.setExecutionExceptionHandler((exception, cmd, parsed) -> {
            if (exception instanceof NettraceException failure) {
                err.println("nettrace: " + oneLine(failure.getMessage()));
                if (debug) {
                    failure.printStackTrace(err);
                }
                return failure.exitCode();
            }
            err.println("nettrace: internal error: " + exception);
            if (debug) {
                exception.printStackTrace(err);
            } else {
                err.println("nettrace: run with --debug for details");
            }
            return NettraceException.ENVIRONMENT;
        });
        return commandLine.execute(arguments);
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replace('\n', ' ').strip();
    }
}
