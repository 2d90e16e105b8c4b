package nettrace.output;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Where nettrace writes: trace output to a buffered stdout (flushed when the tool idles, so
 * a burst costs one write), messages about itself to stderr. A closed stdout (a pipe whose
 * reader left) is remembered instead of thrown, so the run can stop cleanly.
 */
public final class Console {
    private static final int BUFFER_SIZE = 1 << 16;

    private final OutputStream out;
    private final PrintStream err;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int position;
    private volatile boolean outputClosed;

    public Console(OutputStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A console writing its trace output to out instead, its messages where this one's go. */
    public Console to(OutputStream out) {
        return new Console(out, err);
    }

    public static Console system() {
        return new Console(new FileOutputStream(FileDescriptor.out), System.err);
    }

    /** Appends a line of trace output. */
    public void line(CharSequence text) {
        // String.getBytes copies the compact (Latin-1) bytes of an ASCII line in one go
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length + 1 > buffer.length - position) {
            flushBuffer();
        }
        if (bytes.length + 1 > buffer.length) {
            writeDirect(bytes);
            writeDirect(new byte[] {'\n'});
            return;
        }
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
        buffer[position++] = '\n';
    }

    /** Appends a line and writes everything out at once. */
    public void lineNow(CharSequence text) {
        line(text);
        flush();
    }

    public void flush() {
        flushBuffer();
        if (!outputClosed) {
            try {
                out.flush();
            } catch (IOException e) {
                outputClosed = true;
            }
        }
    }

    private void flushBuffer() {
        if (position == 0) {
            return;
        }
        writeDirect(java.util.Arrays.copyOf(buffer, position));
        position = 0;
    }

    private void writeDirect(byte[] bytes) {
        if (outputClosed) {
            return;
        }
        try {
            out.write(bytes);
        } catch (IOException e) {
            outputClosed = true;
        }
    }

    /** True once stdout could not be written (e.g. `nettrace | head` after head exited). */
    public boolean outputClosed() {
        return outputClosed || (out instanceof PrintStream print && print.checkError());
    }

    /** A message about nettrace itself, on stderr. */
    public void message(String text) {
        err.println(text);
        err.flush();
    }

    public void error(String text) {
        message("nettrace: " + text);
    }

    public void warning(String text) {
        message("nettrace: warning: " + text);
    }
}
