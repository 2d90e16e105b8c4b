package nettrace.monitor.http;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MetricNameFilter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * /metrics, written by the Prometheus client's own format writers (the text format, or
 * OpenMetrics when the scraper asks for it, as the client chooses) straight onto the connection
 * as they go. The client's handler first builds the whole response in memory: for 10,000 series,
 * 2.7 MB on the heap that outlives a young collection, and as much again in the JDK's cached
 * direct buffer of each server thread that ever wrote it to a socket. Compression, when asked
 * for, is gzip's fastest level: on this text it is half the time of the default for ~10 % more bytes.
 */
final class StreamedScrape {
    private static final int BUFFER = 64 * 1024;

    private final PrometheusRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();

    StreamedScrape(PrometheusRegistry registry) {
        this.registry = registry;
    }

    void answer(HttpExchange exchange) throws IOException {
        // the request as the client's own handler reads it: its name[] parsing, and what its
        // collectors may ask of the request
        PrometheusHttpRequest request = new HttpExchangeAdapter(exchange).getRequest();
        String[] names = request.getParameterValues("name[]");
        MetricSnapshots snapshots = names == null || names.length == 0 ? registry.scrape(request)
                : registry.scrape(MetricNameFilter.builder().nameMustBeEqualTo(names).build(), request);
        String accept = request.getHeader("Accept");
        ExpositionFormatWriter writer = formats.findWriter(accept);
        exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        boolean gzip = acceptsGzip(exchange);
        if (gzip) {
            exchange.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream body = gzip ? new FastGzip(exchange.getResponseBody())
                : new BufferedOutputStream(exchange.getResponseBody(), BUFFER)) {
            writer.write(body, snapshots, EscapingScheme.fromAcceptHeader(accept));
        }
    }

    private static boolean acceptsGzip(HttpExchange exchange) {
        return exchange.getRequestHeaders().getOrDefault("Accept-Encoding", List.of()).stream()
                .anyMatch(StreamedScrape::acceptsGzip);
    }

    /** Whether an Accept-Encoding header names gzip with a quality above 0 ("gzip;q=0" refuses it). */
    static boolean acceptsGzip(String acceptEncoding) {
        for (String coding : acceptEncoding.split(",")) {
            String[] parts = coding.split(";");
            if (!parts[0].trim().equalsIgnoreCase("gzip")) {
                continue;
            }
            for (int i = 1; i < parts.length; i++) {
                String parameter = parts[i].trim();
                if (parameter.startsWith("q=")) {
                    try {
                        return Double.parseDouble(parameter.substring(2)) > 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, BUFFER);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
