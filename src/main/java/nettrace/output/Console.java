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
        int length = text.length();
        if (length + 1 > buffer.length - position) {
            flushBuffer();
        }
        if (length + 1 > buffer.length || !appendAscii(text, length)) {
            lineEncoded(text);
            return;
        }
        buffer[position++] = '\n';
    }

    /** Appends a line already encoded as UTF-8: bytes [0, length), without its newline. */
    public void line(byte[] bytes, int length) {
        if (length + 1 > buffer.length - position) {
            flushBuffer();
        }
        if (length + 1 > buffer.length) {
            writeDirect(bytes, length);
            writeDirect(new byte[] {'\n'}, 1);
            return;
        }
        System.arraycopy(bytes, 0, buffer, position, length);
        position += length;
        buffer[position++] = '\n';
    }

    /*
     * Trace lines are ASCII but for the odd task or interface name: those are copied here
     * char by char, with no String or byte[] made per line. False (and nothing appended) for
     * any other char.
     */
    private boolean appendAscii(CharSequence text, int length) {
        int at = position;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                return false;
            }
            buffer[at++] = (byte) c;
        }
        position = at;
        return true;
    }

    private void lineEncoded(CharSequence text) {
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        line(bytes, bytes.length);
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
        writeDirect(buffer, position);
        position = 0;
    }

    private void writeDirect(byte[] bytes, int length) {
        if (outputClosed) {
            return;
        }
        try {
            out.write(bytes, 0, length);
        } catch (IOException e) {
            outputClosed = true;
        }
    }

    /** True once stdout could not be written (e.g. `nettrace | head` after head exited). */
    public boolean outputClosed() {
        return outputClosed || (out instanceof PrintStream print && print.checkError());
    }

    /** stderr, for a command whose own output must stay off stdout (see TraceLoop). */
    public PrintStream errorStream() {
        return err;
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
