package nettrace.libbpf;

import nettrace.NettraceException;

/** A libbpf or bpf() call failed; carries the operation, errno and (for loads) the verifier log. */
public final class BpfException extends NettraceException {
    private final String operation;
    private final int errno;
    private final String verifierLog;

    private final String program;

    BpfException(String operation, int errno, String detail, String verifierLog, String program) {
        super(message(operation, errno, detail));
        this.operation = operation;
        this.errno = errno;
        this.verifierLog = verifierLog == null ? "" : verifierLog;
        this.program = program == null ? "" : program;
    }

    BpfException(String operation, int errno, String detail, String verifierLog) {
        this(operation, errno, detail, verifierLog, null);
    }

    BpfException(String operation, int errno, String detail) {
        this(operation, errno, detail, null);
    }

    private static String message(String operation, int errno, String detail) {
        StringBuilder text = new StringBuilder(operation);
        if (detail != null && !detail.isEmpty()) {
            text.append(' ').append(detail);
        }
        if (errno != 0) {
            text.append(": ").append(Errno.describe(errno));
        }
        return text.toString();
    }

    public String operation() {
        return operation;
    }

    /** The positive errno value, 0 when the failure did not come with one. */
    public int errno() {
        return errno;
    }

    /** The program the kernel refused when loading an object, else empty. */
    public String program() {
        return program;
    }

    /** The kernel verifier's log when a program load was rejected, else empty. */
    public String verifierLog() {
        return verifierLog;
    }
}
