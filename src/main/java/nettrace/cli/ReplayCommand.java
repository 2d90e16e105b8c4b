package nettrace.cli;

import java.nio.file.Path;
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
    ViewOfEvents shown = new ViewOfEvents();

    @Option(names = {"-v", "--verbose"}, description = "say more about the replay")
    boolean verbose;

    @Override
    public Integer call() {
        return Replay.run(file, toConfig(), parent.console());
    }

    Config toConfig() {
        Mode mode = shown.modes.mode();
        Set<ModeOption> given = shown.given();
        given.remove(ModeOption.SNAPLEN);
        mode.check(given, shown.view.format());
        Config.OutputOptions output = shown.view.outputOptions(Optional.empty());
        if (output.format() == OutputFormat.PCAPNG && shown.view.snaplen == null) {
            output = new Config.OutputOptions(output.detail(), output.date(), output.returnValues(), output.tiny(),
                    output.format(), output.file(), nettrace.bpf.Sizes.SNAPLEN_MAX, output.record());
        }
        return new Config(mode, shown.filters.filter(), Config.TracerSelection.DEFAULTS, output,
                shown.modes.diagOptions(), shown.modes.modeOptions(), shown.view.count(), Optional.empty(), List.of(),
                Optional.empty(),
                verbose ? Config.Verbosity.VERBOSE : Config.Verbosity.QUIET, Config.Reading.DEFAULTS);
    }
}
