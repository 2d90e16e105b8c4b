package nettrace.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command of the test environment (ip, ping, nc...) and captures what it printed. */
public final class Shell {
    private Shell() {
    }

    public record Result(int code, String out, String err) {
        public Result orFail(List<String> command) {
            if (code != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + code + "): " + err + out);
            }
            return this;
        }
    }

    private static final java.util.concurrent.Executor READERS = task -> Thread.ofVirtual().start(task);

    public static Result run(List<String> command, long timeoutSeconds) {
        try {
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
            var out = process.getInputStream();
            var err = process.getErrorStream();
            // own threads: the common pool may be busy with other blocked readers (it has one thread on 2 CPUs)
            var outText = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(out), READERS);
            var errText = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(err), READERS);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException(String.join(" ", command) + " timed out after " + timeoutSeconds + "s");
            }
            return new Result(process.exitValue(), outText.join(), errText.join());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Result check(String... command) {
        return run(List.of(command), 30).orFail(List.of(command));
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
