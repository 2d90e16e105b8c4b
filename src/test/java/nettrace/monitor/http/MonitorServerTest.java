package nettrace.monitor.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import nettrace.monitor.capture.DiagnosisBoard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /metrics as scrapers ask for it, against what the client's own writers make of the same snapshots. */
class MonitorServerTest {
    private static final int SERIES = 5000;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final HttpClient client = HttpClient.newHttpClient();
    private MonitorServer server;

    @BeforeEach
    void start() {
        registry.register(MonitorServerTest::snapshots);
        server = MonitorServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry,
                new DiagnosisBoard(1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Large enough that the response is many times the server's buffers. */
    private static MetricSnapshots snapshots() {
        CounterSnapshot.Builder drops = CounterSnapshot.builder().name("test_drops").help("drops \"quoted\"");
        for (int i = 0; i < SERIES; i++) {
            drops.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("location", String.format("function_%05d", i), "reason", "NO_SOCKET"))
                    .value(i * 3).build());
        }
        CounterSnapshot.Builder other = CounterSnapshot.builder().name("test_other").help("another metric");
        other.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(7).build());
        return new MetricSnapshots(drops.build(), other.build());
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void plainScrapeIsTheClientsTextFormat() throws Exception {
        HttpResponse<byte[]> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(
                PrometheusTextFormatWriter.create().getContentType());
        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(text(response.body())).isEqualTo(PrometheusTextFormatWriter.create().toDebugString(snapshots()));
    }

    @Test
    void prometheusScrapeGetsOpenMetricsCompressed() throws Exception {
        HttpResponse<byte[]> response = get("/metrics", "Accept",
                "application/openmetrics-text;version=1.0.0;q=0.6,text/plain;version=0.0.4;q=0.4,*/*;q=0.1",
                "Accept-Encoding", "gzip");
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith(
                "application/openmetrics-text");
        byte[] body;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
            body = in.readAllBytes();
        }
        assertThat(text(body)).isEqualTo(OpenMetricsTextFormatWriter.create().toDebugString(snapshots()))
                .endsWith("# EOF\n");
    }

    @Test
    void gzipRefusedWithZeroQualityIsNotUsed() throws Exception {
        HttpResponse<byte[]> response = get("/metrics", "Accept-Encoding", "gzip;q=0, identity");
        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(text(response.body())).startsWith("# HELP test_drops");
    }

    @Test
    void acceptEncodingIsReadAsHttpSaysWithQualities() {
        assertThat(StreamedScrape.acceptsGzip("gzip")).isTrue();
        assertThat(StreamedScrape.acceptsGzip("deflate, GZIP;q=0.5")).isTrue();
        assertThat(StreamedScrape.acceptsGzip("gzip; q=0.0, identity")).isFalse();
        assertThat(StreamedScrape.acceptsGzip("identity")).isFalse();
        assertThat(StreamedScrape.acceptsGzip("x-gzip")).isFalse();
    }

    @Test
    void nameParametersChooseMetrics() throws Exception {
        String body = text(get("/metrics?name[]=test_other").body());
        assertThat(body).contains("test_other_total 7").doesNotContain("test_drops");
        assertThat(text(get("/metrics?name%5B%5D=test_drops_total").body())).contains("test_drops_total{")
                .doesNotContain("test_other");
    }

    @Test
    void headAnswersWithoutABody() throws Exception {
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("Content-Type")).isPresent();
    }

    @Test
    void theClientsOwnHandlerServesTheSame() throws Exception {
        assertThat(text(get(MonitorServer.CLIENT_METRICS_PATH).body())).isEqualTo(text(get("/metrics").body()));
    }

    @Test
    void indexAndUnknownPaths() throws Exception {
        assertThat(text(get("/").body())).contains("/metrics", "/diagnoses", "/-/healthy");
        assertThat(get("/nothing").statusCode()).isEqualTo(404);
        assertThat(text(get("/diagnoses").body())).contains("\"diagnoses\":[]");
    }
}
