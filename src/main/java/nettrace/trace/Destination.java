package nettrace.trace;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.config.OutputFormat;
import nettrace.output.Console;

/**
 * Where a run writes: its trace (stdout, or --output-file; pcapng's is a file of bytes, not
 * lines) and its record (--record). Closing flushes and closes the files it opened.
 */
final class Destination implements AutoCloseable {
    private final Console console;
    private final OutputStream traceFile;
    private final OutputStream pcapng;
    private final OutputStream record;

    private Destination(Console console, OutputStream traceFile, OutputStream pcapng, OutputStream record) {
        this.console = console;
        this.traceFile = traceFile;
        this.pcapng = pcapng;
        this.record = record;
    }

    static Destination open(Config config, Console console) {
        OutputStream trace = config.output().file().map(path -> create(path, "--output-file")).orElse(null);
        try {
            OutputStream record = config.output().record().map(path -> create(path, "--record")).orElse(null);
            boolean pcapng = config.output().format() == OutputFormat.PCAPNG;
            Console text = trace != null && !pcapng ? console.to(trace) : console;
            return new Destination(text, trace, pcapng ? trace : null, record);
        } catch (NettraceException e) {
            closeQuietly(trace);
            throw e;
        }
    }

    private static OutputStream create(Path path, String option) {
        try {
            return new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
        } catch (IOException e) {
            throw new NettraceException(option + ": cannot write " + path + ": " + e.getMessage());
        }
    }

    /** The trace's lines (text, JSON) and nettrace's own messages. */
    Console console() {
        return console;
    }

    /** --output pcapng's file, or null. */
    OutputStream pcapng() {
        return pcapng;
    }

    Optional<OutputStream> recording() {
        return Optional.ofNullable(record);
    }

    /** True when the trace goes to a file rather than stdout. */
    boolean toFile() {
        return traceFile != null;
    }

    @Override
    public void close() {
        console.flush();
        closeQuietly(record);
        closeQuietly(traceFile);
    }

    private static void closeQuietly(OutputStream stream) {
        if (stream == null) {
            return;
        }
        try {
            stream.close();
        } catch (IOException e) {
            // what could be written was; the trace's end says how it went
        }
    }
}
