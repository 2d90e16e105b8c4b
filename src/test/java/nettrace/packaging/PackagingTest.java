package nettrace.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `mvn package` delivers, checked as a user would get it: the release archive's layout and
 * the Debian package's fields and files, with the installed launcher run from a scratch root.
 * Runs in the integration-test phase (after package), without root.
 */
@Tag("packaging")
class PackagingTest {
    private static final Path TARGET = Path.of("target");
    private static final String VERSION = System.getProperty("nettrace.version", "0.1.0");

    private static String run(Map<String, String> environment, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().remove("NETTRACE_JAR");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
        return output;
    }

    @Test
    void theReleaseArchiveHoldsLauncherJarManPageAndCompletion(@TempDir Path unpacked) throws Exception {
        Path archive = TARGET.resolve("nettrace-" + VERSION + ".tar.gz");
        String listing = run(Map.of(), "tar", "-tvzf", archive.toString());
        String top = "nettrace-" + VERSION + "/";
        assertThat(listing).contains(top + "bin/nettrace", top + "share/nettrace/nettrace.jar",
                top + "share/man/man1/nettrace.1", top + "share/man/man1/nettrace-demo.1",
                top + "share/man/man1/nettrace-monitor.1",
                top + "share/bash-completion/completions/nettrace");
        assertThat(listing.lines().filter(line -> line.endsWith("bin/nettrace"))).singleElement().asString()
                .startsWith("-rwxr-xr-x");
        run(Map.of(), "tar", "-xzf", archive.toString(), "-C", unpacked.toString());
        assertThat(run(Map.of(), unpacked.resolve(top + "bin/nettrace").toString(), "--version")).contains(VERSION);
    }

    @Test
    void theLauncherUsesAnAheadOfTimeCacheOnlyWhileItIsNewerThanTheJar(@TempDir Path unpacked) throws Exception {
        String top = "nettrace-" + VERSION + "/";
        run(Map.of(), "tar", "-xzf", TARGET.resolve("nettrace-" + VERSION + ".tar.gz").toString(), "-C", unpacked.toString());
        String launcher = unpacked.resolve(top + "bin/nettrace").toString();
        Path jar = unpacked.resolve(top + "share/nettrace/nettrace.jar");
        Path cache = unpacked.resolve(top + "share/nettrace/nettrace.aot");
        Map<String, String> logClassLoading = Map.of("NETTRACE_JAVA_OPTS", "-Xlog:class+load=info");
        String fromCache = "nettrace.Main source: shared objects file";

        run(Map.of("NETTRACE_JAVA_OPTS", "-XX:AOTCacheOutput=" + cache), launcher, "--version");
        assertThat(cache).exists();
        assertThat(run(logClassLoading, launcher, "--version")).contains(fromCache);

        Files.setLastModifiedTime(jar, FileTime.fromMillis(
                Files.getLastModifiedTime(cache).toMillis() + 2000));
        assertThat(run(logClassLoading, launcher, "--version")).doesNotContain(fromCache).contains(VERSION);

        Files.writeString(cache, "not a cache");
        Files.setLastModifiedTime(cache, FileTime.fromMillis(
                Files.getLastModifiedTime(jar).toMillis() + 2000));
        assertThat(run(Map.of(), launcher, "--version")).isEqualTo("nettrace " + VERSION + "\n");
    }

    @Test
    void theDebianPackageDeclaresItsDependenciesAndInstallsARunnableTool(@TempDir Path root) throws Exception {
        Path deb = Files.list(TARGET).filter(file -> file.getFileName().toString().matches("nettrace_.*_amd64\\.deb"))
                .findFirst().orElseThrow();
        String fields = run(Map.of(), "dpkg-deb", "-I", deb.toString());
        assertThat(fields).contains("Package: nettrace").containsPattern("Depends: .*libbpf1")
                .contains("Architecture: amd64");
        List<String> files = run(Map.of(), "dpkg-deb", "-c", deb.toString()).lines().toList();
        assertThat(files).anyMatch(line -> line.matches("-rwxr-xr-x root/root .* \\./usr/bin/nettrace"))
                .anyMatch(line -> line.endsWith("./usr/share/nettrace/nettrace.jar"))
                .anyMatch(line -> line.endsWith("./usr/share/man/man1/nettrace.1.gz"))
                .anyMatch(line -> line.endsWith("./usr/share/bash-completion/completions/nettrace"));

        run(Map.of(), "dpkg-deb", "-x", deb.toString(), root.toString());
        String launcher = root.resolve("usr/bin/nettrace").toString();
        assertThat(run(Map.of(), launcher, "--version")).contains(VERSION);
        assertThat(run(Map.of(), launcher, "--help")).contains("--output-file", "--trace-exclude", "demo");
        String manPage = run(Map.of(), "sh", "-c", "zcat " + root.resolve("usr/share/man/man1/nettrace.1.gz"));
        // roff escapes the dashes of option names
        assertThat(manPage).contains("\\-\\-output\\-file", "\\-\\-diag\\-keep", "\\fBdemo\\fP");
        assertThat(Files.readString(root.resolve("usr/share/bash-completion/completions/nettrace")))
                .contains("--output-file", "--trace-exclude", "complete -F");
    }

    @Test
    void theDebianPackageInstallsTheMonitorsUnitOptionsAndDeployFiles(@TempDir Path root) throws Exception {
        Path deb = Files.list(TARGET).filter(file -> file.getFileName().toString().matches("nettrace_.*_amd64\\.deb"))
                .findFirst().orElseThrow();
        List<String> files = run(Map.of(), "dpkg-deb", "-c", deb.toString()).lines().toList();
        assertThat(files).anyMatch(line -> line.matches("-rw-r--r-- root/root .* \\./lib/systemd/system/nettrace-monitor\\.service"))
                .anyMatch(line -> line.endsWith("./etc/default/nettrace-monitor"))
                .anyMatch(line -> line.endsWith("./usr/share/man/man1/nettrace-monitor.1.gz"))
                .anyMatch(line -> line.endsWith("./usr/share/nettrace/deploy/prometheus/nettrace-alerts.yml"))
                .anyMatch(line -> line.endsWith("./usr/share/nettrace/deploy/prometheus/prometheus.yml"))
                .anyMatch(line -> line.endsWith("./usr/share/nettrace/deploy/grafana/nettrace-dashboard.json"))
                .anyMatch(line -> line.endsWith("./usr/share/nettrace/deploy/kubernetes/nettrace-monitor.yaml"));
        Path control = root.resolve("control");
        run(Map.of(), "dpkg-deb", "-e", deb.toString(), control.toString());
        assertThat(Files.readString(control.resolve("conffiles")).strip()).isEqualTo("/etc/default/nettrace-monitor");
        assertThat(control.resolve("postinst")).isExecutable();
        assertThat(Files.readString(control.resolve("prerm"))).contains("systemctl stop nettrace-monitor.service");

        Path installed = root.resolve("installed");
        run(Map.of(), "dpkg-deb", "-x", deb.toString(), installed.toString());
        String unit = Files.readString(installed.resolve("lib/systemd/system/nettrace-monitor.service"));
        assertThat(unit).contains("ExecStart=/usr/bin/nettrace monitor $NETTRACE_MONITOR_OPTIONS",
                "EnvironmentFile=-/etc/default/nettrace-monitor", "Restart=on-failure", "NoNewPrivileges=yes",
                "CapabilityBoundingSet=CAP_BPF CAP_PERFMON ", "WantedBy=multi-user.target");
        assertThat(run(Map.of(), installed.resolve("usr/bin/nettrace").toString(), "monitor", "--help"))
                .contains("--listen", "--max-series", "--capture", "--log");
        String manPage = run(Map.of(), "sh", "-c", "zcat " + installed.resolve("usr/share/man/man1/nettrace-monitor.1.gz"));
        assertThat(manPage).contains("\\-\\-capture\\-threshold");
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            // the unit's syntax and directives; the ExecStart binary is not installed on this machine
            String verified = runAnyway("systemd-analyze", "verify",
                    installed.resolve("lib/systemd/system/nettrace-monitor.service").toString());
            assertThat(verified.lines().filter(line -> !line.contains("is not executable")
                    && !line.contains("man nettrace-monitor(1)"))).as(verified).isEmpty();
        }
    }

    private static String runAnyway(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor(60, TimeUnit.SECONDS);
        return output;
    }
}
