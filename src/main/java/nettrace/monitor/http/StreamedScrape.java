package nettrace.monitor.http;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MetricNameFilter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
        List<String> names = namesAsked(exchange.getRequestURI().getRawQuery());
        MetricSnapshots snapshots = names.isEmpty() ? registry.scrape()
                : registry.scrape(MetricNameFilter.builder().nameMustBeEqualTo(names).build());
        String accept = exchange.getRequestHeaders().getFirst("Accept");
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

    /** The metric names of name[] parameters, as the client's handler takes them: none means all. */
    static List<String> namesAsked(String rawQuery) {
        List<String> names = new ArrayList<>();
        if (rawQuery == null) {
            return names;
        }
        for (String parameter : rawQuery.split("&")) {
            int equals = parameter.indexOf('=');
            if (equals > 0 && URLDecoder.decode(parameter.substring(0, equals), StandardCharsets.UTF_8).equals("name[]")) {
                names.add(URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return names;
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
