package nettrace.cli;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.config.ModeOption;
import nettrace.config.PacketFilter;
import nettrace.monitor.Monitor;
import nettrace.monitor.MonitorConfig;
import nettrace.trace.RunControl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** `nettrace monitor`: options in, a validated {@link MonitorConfig} out, then the monitor runs. */
@Command(name = "monitor", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Count every packet drop and TCP trouble in the kernel and serve them to Prometheus, for months",
            "of unattended running: drops by reason, location, namespace, interface and protocol (and netfilter",
            "hook, table and chain where the kernel allows), TCP retransmits, resets and failed connects. With",
            "--capture, a new drop class is diagnosed by itself (/diagnoses). SIGTERM detaches and exits 0."})
public final class MonitorCommand implements Callable<Integer> {
    private static final int DEFAULT_PORT = 9851;

    @ParentCommand
    private NettraceCommand parent;

    @Mixin
    FilterOptions filterOptions = new FilterOptions();

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "where /metrics and /diagnoses are served (default :" + DEFAULT_PORT + ", every address)")
    String listen;

    @Option(names = "--max-series", paramLabel = "N",
            description = "label sets per metric; beyond them drops count in an \"other\" series (default 2000)")
    String maxSeries;

    @Option(names = "--tcp-rtt", description = "also a histogram of TCP smoothed round-trip times per namespace")
    boolean tcpRtt;

    @Option(names = "--log", paramLabel = "PATH", description = "append the JSON-lines log here instead of stdout")
    Path log;

    @Option(names = "--capture", description = "diagnose each new drop class by itself (capture on anomaly)")
    boolean capture;

    @Option(names = "--capture-threshold", paramLabel = "N",
            description = "also capture a class whose drops exceed N per second (implies --capture)")
    String captureThreshold;

    @Option(names = "--capture-interval", paramLabel = "SECONDS",
            description = "capture one class again only after this long (default 600)")
    String captureInterval;

    @Option(names = "--capture-duration", paramLabel = "SECONDS",
            description = "trace a capture for at most this long (default 10)")
    String captureDuration;

    @Option(names = "--capture-packets", paramLabel = "N",
            description = "end a capture after N packets' lives (default 3)")
    String capturePackets;

    @Option(names = "--diagnoses-kept", paramLabel = "N", description = "diagnoses /diagnoses keeps (default 20)")
    String diagnosesKept;

    @Option(names = {"-v", "--verbose"}, description = "say what is attached and how")
    boolean verbose;

    @Option(names = "--debug", description = "stack traces of failures")
    boolean debug;

    @Override
    public Integer call() {
        MonitorConfig config = toConfig();
        RunControl control = new RunControl().onSignals();
        try {
            return Monitor.run(config, parent.console(), control);
        } finally {
            control.markFinished();
        }
    }

    /** Validates the options; throws a one-line {@link NettraceException} on bad input. */
    public MonitorConfig toConfig() {
        Set<ModeOption> given = EnumSet.noneOf(ModeOption.class);
        filterOptions.given(given);
        if (!given.isEmpty() || filterOptions.pid != null) {
            throw NettraceException.badInput("--pid, --pkt-len, --tcp-flags and --filter are not monitor filters "
                    + "(it filters on addresses, ports, protocol and namespace)");
        }
        PacketFilter filter = filterOptions.filter();
        boolean captures = capture || captureThreshold != null;
        if (!captures && (captureInterval != null || captureDuration != null || capturePackets != null
                || diagnosesKept != null)) {
            throw NettraceException.badInput("--capture-interval, --capture-duration, --capture-packets and "
                    + "--diagnoses-kept need --capture");
        }
        Optional<MonitorConfig.CaptureSettings> settings = captures ? Optional.of(new MonitorConfig.CaptureSettings(
                captureThreshold == null ? 0 : OptionValues.positiveLong(captureThreshold, "--capture-threshold"),
                seconds(captureInterval, 600, "--capture-interval"), seconds(captureDuration, 10, "--capture-duration"),
                (int) Math.min(1000, count(capturePackets, 3, "--capture-packets")),
                (int) Math.min(10_000, count(diagnosesKept, 20, "--diagnoses-kept")))) : Optional.empty();
        String version = NettraceCommand.class.getPackage().getImplementationVersion();
        return new MonitorConfig(filter, listenAddress(), (int) Math.min(1_000_000, count(maxSeries, 2000,
                "--max-series")), tcpRtt, logFile(), settings, version == null ? "dev" : version,
                MonitorCommand::traceConfig, verbose || debug);
    }

    /** What a capture runs: nettrace's own command line, as if typed. */
    private static Config traceConfig(List<String> options) {
        NettraceCommand command = new NettraceCommand();
        new CommandLine(command).parseArgs(options.toArray(String[]::new));
        return command.toConfig();
    }

    private InetSocketAddress listenAddress() {
        return OptionValues.listen(listen == null ? ":" + DEFAULT_PORT : listen);
    }

    private Optional<Path> logFile() {
        if (log == null) {
            return Optional.empty();
        }
        Path folder = log.toAbsolutePath().getParent();
        if (Files.isDirectory(log) || folder == null || !Files.isDirectory(folder)
                || (Files.exists(log) ? !Files.isWritable(log) : !Files.isWritable(folder))) {
            throw NettraceException.badInput("--log: cannot write " + log);
        }
        return Optional.of(log);
    }

    private static long count(String text, long otherwise, String option) {
        return text == null ? otherwise : OptionValues.positiveLong(text, option);
    }

    private static Duration seconds(String text, long otherwise, String option) {
        return Duration.ofSeconds(text == null ? otherwise : OptionValues.positiveLong(text, option));
    }
}
