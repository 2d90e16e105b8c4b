package nettrace.monitor.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import nettrace.NettraceException;
import nettrace.monitor.capture.Diagnosis;
import nettrace.monitor.capture.DiagnosisBoard;
import nettrace.monitor.capture.DiagnosisJson;

/**
 * The monitor's HTTP side, the Prometheus client's server: /metrics (the Prometheus text format,
 * or OpenMetrics when the scraper asks for it; StreamedScrape), /-/healthy, and /diagnoses, the
 * latest diagnoses as JSON. /metrics/client serves the same through the client's own handler,
 * which buffers the whole response (the benchmark compares the two).
 */
public final class MonitorServer implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();
    static final String CLIENT_METRICS_PATH = "/metrics/client";

    private final HTTPServer server;

    private MonitorServer(HTTPServer server) {
        this.server = server;
    }

    /** Listens on address; a port in use or an address not of this machine is bad input. */
    public static MonitorServer start(InetSocketAddress address, PrometheusRegistry registry, DiagnosisBoard board) {
        try {
            StreamedScrape metrics = new StreamedScrape(registry);
            return new MonitorServer(HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort())
                    .registry(registry).metricsHandlerPath(CLIENT_METRICS_PATH)
                    .defaultHandler(exchange -> answer(exchange, metrics, board)).buildAndStart());
        } catch (BindException e) {
            throw NettraceException.badInput("--listen: cannot listen on " + address.getAddress().getHostAddress()
                    + ":" + address.getPort() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new NettraceException("--listen: cannot start the HTTP server: " + e.getMessage());
        }
    }

    public int port() {
        return server.getPort();
    }

    private static void answer(HttpExchange exchange, StreamedScrape metrics, DiagnosisBoard board)
            throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/metrics")) {
                metrics.answer(exchange);
            } else if (path.equals("/diagnoses")) {
                send(exchange, 200, "application/json", diagnoses(board));
            } else if (path.equals("/")) {
                send(exchange, 200, "text/plain; charset=utf-8", ("nettrace monitor\n/metrics          Prometheus metrics\n"
                        + "/metrics/client   the same, through the Prometheus client's buffering handler\n"
                        + "/diagnoses        the latest diagnoses of new drop classes (JSON)\n"
                        + "/-/healthy        liveness\n")
                        .getBytes(StandardCharsets.UTF_8));
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static byte[] diagnoses(DiagnosisBoard board) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeArrayFieldStart("diagnoses");
            for (Diagnosis diagnosis : board.latest()) {
                json.writeStartObject();
                DiagnosisJson.fields(json, diagnosis);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
