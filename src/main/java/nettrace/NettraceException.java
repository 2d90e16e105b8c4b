package nettrace;

/**
 * A failure the user can act on. The command line prints its message on one line and exits
 * with {@link #exitCode()}; stack traces are shown only under {@code --debug}.
 */
public class NettraceException extends RuntimeException {
    /** Exit code for input the user got wrong. */
    public static final int BAD_INPUT = 2;
    /** Exit code for a failure of the environment: permissions, kernel support, libraries. */
    public static final int ENVIRONMENT = 1;

    private final int exitCode;

    public NettraceException(String message) {
        this(message, ENVIRONMENT, null);
    }

    public NettraceException(String message, int exitCode) {
        this(message, exitCode, null);
    }

    public NettraceException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static NettraceException badInput(String message) {
        return new NettraceException(message, BAD_INPUT);
    }

    public int exitCode() {
        return exitCode;
    }
}
