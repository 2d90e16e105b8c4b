package nettrace.probe;

import java.util.List;
import nettrace.libbpf.BpfException;

/** One line saying why the kernel refused a program: the verifier's own last words, if it spoke. */
public final class VerifierLog {
    private VerifierLog() {
    }

    public static String summary(BpfException rejection) {
        String reason = lastMeaningfulLine(rejection.verifierLog());
        return reason.isEmpty() ? rejection.getMessage() : "the verifier says: " + reason;
    }

    /**
     * The verifier ends its log with statistics ("processed 12 insns ...", "verification time
     * ...") and libbpf frames it with markers; the line before those names the fault.
     */
    static String lastMeaningfulLine(String log) {
        List<String> lines = log.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (!line.startsWith("processed ") && !line.startsWith("verification time")
                    && !line.startsWith("stack depth") && !line.startsWith("-- ")
                    && !line.startsWith("libbpf:")) {
                return line;
            }
        }
        return "";
    }
}
