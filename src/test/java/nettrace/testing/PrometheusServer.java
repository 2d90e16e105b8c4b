package nettrace.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real Prometheus server (Debian's /usr/bin/prometheus) on a free port, scraping one target
 * every second with exemplar storage on; queried through its own HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("nettrace.test.timeout", 120));

    private final Process process;
    private final int port;

    private PrometheusServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts Prometheus scraping 127.0.0.1:targetPort as job "nettrace"; returns once the target is up. */
    public static PrometheusServer scraping(int targetPort, Path folder) throws IOException {
        int port = MonitorRun.freePort();
        Path config = folder.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: nettrace
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(targetPort));
        Process process = new ProcessBuilder(BINARY.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + folder.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--enable-feature=exemplar-storage").redirectErrorStream(true)
                .redirectOutput(folder.resolve("prometheus.out").toFile()).start();
        PrometheusServer server = new PrometheusServer(process, port);
        try {
            server.awaitValue("up{job=\"nettrace\"}", values -> values.contains(1.0));
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException(e.getMessage() + "; prometheus said: "
                    + Files.readString(folder.resolve("prometheus.out")), e);
        }
        return server;
    }

    /** The instant vector of query: each series' labels and value. */
    public JsonNode query(String query) {
        JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        return answer.path("data").path("result");
    }

    /** The values of query's series now (an empty list when it has none). */
    public List<Double> values(String query) {
        java.util.List<Double> values = new java.util.ArrayList<>();
        query(query).forEach(series -> values.add(series.path("value").get(1).asDouble()));
        return values;
    }

    /** Waits until query's values satisfy done; returns them. */
    public List<Double> awaitValue(String query, Predicate<List<Double>> done) {
        List<List<Double>> seen = new java.util.ArrayList<>(List.of(List.of()));
        Waiting.until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited");
            }
            try {
                seen.set(0, values(query));
            } catch (IllegalStateException e) {
                seen.set(0, List.of()); // not listening yet
            }
            return done.test(seen.getFirst());
        }, TIMEOUT, 250, () -> "prometheus: " + query + " stayed at " + seen.getFirst());
        return seen.getFirst();
    }

    /** Exemplars of query's series over the last minutes (query_exemplars API). */
    public JsonNode exemplars(String query) {
        long now = System.currentTimeMillis() / 1000;
        return get("/api/v1/query_exemplars?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&start="
                + (now - 600) + "&end=" + (now + 60)).path("data");
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = JSON.readTree(response.body());
            if (!"success".equals(answer.path("status").asText())) {
                throw new IllegalStateException(path + ": " + response.body());
            }
            return answer;
        } catch (IOException e) {
            throw new IllegalStateException("prometheus " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
