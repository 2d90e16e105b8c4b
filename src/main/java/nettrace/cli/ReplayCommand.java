package nettrace.cli;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import nettrace.config.Config;
import nettrace.config.Mode;
import nettrace.config.ModeOption;
import nettrace.config.OutputFormat;
import nettrace.trace.Replay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** `nettrace replay FILE`: any view of the events a --record run wrote, offline. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Show the events recorded with --record FILE in any mode and output (lifecycle, --basic,",
            "--diag, --drop, --sock, --latency; text, JSON or pcapng), filtered again if wished, on any machine:",
            "no root, BPF or kernel is needed. The tracers and the kernel's names are those of the recorded run."})
final class ReplayCommand implements Callable<Integer> {
    // declared on NettraceCommand (not added at run time) so the man page and completion generators see it
    @ParentCommand
    private NettraceCommand parent;

    @Parameters(index = "0", paramLabel = "FILE", description = "a record written by nettrace --record FILE")
    Path file;

    @Mixin
    FilterOptions filters = new FilterOptions();

    @Mixin
    ModeFlags modes = new ModeFlags();

    @Mixin
    ViewOptions view = new ViewOptions();

    @Option(names = {"-v", "--verbose"}, description = "say more about the replay")
    boolean verbose;

    @Override
    public Integer call() {
        return Replay.run(file, toConfig(), parent.console());
    }

    Config toConfig() {
        Mode mode = modes.mode();
        Set<ModeOption> given = EnumSet.noneOf(ModeOption.class);
        filters.given(given);
        modes.given(given);
        view.given(given);
        given.remove(ModeOption.SNAPLEN);
        mode.check(given, view.format());
        Config.OutputOptions output = view.outputOptions(Optional.empty());
        if (output.format() == OutputFormat.PCAPNG && view.snaplen == null) {
            output = new Config.OutputOptions(output.detail(), output.date(), output.returnValues(), output.tiny(),
                    output.format(), output.file(), nettrace.bpf.Sizes.SNAPLEN_MAX, output.record());
        }
        return new Config(mode, filters.filter(), Config.TracerSelection.DEFAULTS, output, modes.diagOptions(),
                modes.modeOptions(), view.count(), Optional.empty(), List.of(), Optional.empty(),
                verbose ? Config.Verbosity.VERBOSE : Config.Verbosity.QUIET);
    }
}
