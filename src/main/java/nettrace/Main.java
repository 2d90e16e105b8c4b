package nettrace;

import nettrace.cli.CommandLineRunner;

/** Entry point: runs the command line and exits with its code. */
public final class Main {
    private Main() {
    }

    public static void main(String[] arguments) {
        System.exit(CommandLineRunner.run(arguments, System.out, System.err));
    }
}
