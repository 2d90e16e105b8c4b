package nettrace.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import nettrace.NettraceException;
import nettrace.bpf.Sizes;
import nettrace.config.Config;
import nettrace.config.ModeOption;
import nettrace.config.OutputFormat;
import picocli.CommandLine.Option;

/** How events are shown and where they go: of a live trace and of a replay. */
final class ViewOptions {
    /** pcapng's default bytes per packet: the headers of most packets. */
    static final int DEFAULT_SNAPLEN = 128;

    @Option(names = "--ret", description = "show the return values of traced functions")
    boolean returnValues;

    @Option(names = "--detail", description = "show CPU, interface, process and network namespace")
    boolean detail;

    @Option(names = "--tiny-show", description = "in a packet's life, show the packet on its first event only")
    boolean tinyShow;

    @Option(names = "--output", paramLabel = "FORMAT",
            description = "text (default), json (one JSON object per line, docs/json-output.md) or pcapng"
                    + " (for Wireshark, with --output-file; docs/pcapng.md)")
    String output;

    @Option(names = "--output-file", paramLabel = "PATH", description = "write the trace to PATH instead of stdout")
    Path outputFile;

    @Option(names = "--snaplen", paramLabel = "N",
            description = "--output pcapng: bytes of each packet to capture (default 128, at most 1024)")
    String snaplen;

    @Option(names = "--date", description = "print wall-clock time instead of seconds since boot")
    boolean date;

    @Option(names = {"-c", "--count"}, paramLabel = "N", description = "stop after N events (N packets' lives)")
    String count;

    void given(Set<ModeOption> given) {
        ModeFlags.add(given, tinyShow, ModeOption.TINY_SHOW);
        ModeFlags.add(given, returnValues, ModeOption.RETURN_VALUES);
        ModeFlags.add(given, count != null, ModeOption.COUNT);
        ModeFlags.add(given, snaplen != null, ModeOption.SNAPLEN);
    }

    OutputFormat format() {
        if (output == null) {
            return OutputFormat.TEXT;
        }
        for (OutputFormat format : OutputFormat.values()) {
            if (format.key().equals(output)) {
                return format;
            }
        }
        throw NettraceException.badInput("--output: '" + output + "' is not a format (text, json or pcapng)");
    }

    /** @param record where --record writes (live runs), if anywhere */
    Config.OutputOptions outputOptions(Optional<Path> record) {
        OutputFormat format = format();
        if (format == OutputFormat.PCAPNG && outputFile == null) {
            throw NettraceException.badInput("--output pcapng needs --output-file FILE (pcapng is no terminal's text)");
        }
        if (snaplen != null && format != OutputFormat.PCAPNG) {
            throw NettraceException.badInput("--snaplen belongs to --output pcapng");
        }
        int bytes = format != OutputFormat.PCAPNG ? 0 : snaplen == null ? DEFAULT_SNAPLEN
                : (int) OptionValues.positiveLong(snaplen, "--snaplen");
        if (bytes > Sizes.SNAPLEN_MAX) {
            throw NettraceException.badInput("--snaplen: at most " + Sizes.SNAPLEN_MAX + " bytes, got " + snaplen);
        }
        Optional<Path> file = writable(outputFile, "--output-file");
        if (record.isPresent() && file.isPresent() && same(record.get(), file.get())) {
            throw NettraceException.badInput("--record and --output-file name the same file");
        }
        return new Config.OutputOptions(detail, date, returnValues, tinyShow, format, file, bytes,
                writable(record.orElse(null), "--record"));
    }

    long count() {
        return count == null ? 0 : OptionValues.positiveLong(count, "--count");
    }

    /** A file that can be written, found out before anything is loaded. */
    static Optional<Path> writable(Path file, String option) {
        if (file == null) {
            return Optional.empty();
        }
        OutputFiles.refuseSpecial(file, option);
        Path folder = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file) || folder == null || !Files.isDirectory(folder) || !Files.isWritable(folder)) {
            throw NettraceException.badInput(option + ": cannot write " + file);
        }
        return Optional.of(file);
    }

    private static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
