package nettrace.monitor;

import java.io.IOException;
import nettrace.monitor.probe.MonitorPlan;
import nettrace.monitor.probe.MonitorProbes;

/** The monitor's own log events, as JSON fields. */
final class MonitorEvents {
    private MonitorEvents() {
    }

    static void started(MonitorLog log, MonitorConfig config, int port, MonitorProbes probes) {
        log.info("started", json -> {
            json.writeStringField("version", config.version());
            json.writeStringField("listen", config.listen().getAddress().getHostAddress() + ":" + port);
            json.writeNumberField("max_series", config.maxSeries());
            json.writeBooleanField("capture", config.capture().isPresent());
            json.writeArrayFieldStart("attached");
            for (MonitorPlan.Attachment attachment : probes.attached()) {
                json.writeStartObject();
                json.writeStringField("probe", attachment.probe());
                json.writeStringField("mechanism", attachment.mechanism().label());
                json.writeStringField("target", attachment.target());
                json.writeEndObject();
            }
            json.writeEndArray();
            unavailable(json, probes);
        });
    }

    private static void unavailable(com.fasterxml.jackson.core.JsonGenerator json, MonitorProbes probes)
            throws IOException {
        json.writeArrayFieldStart("unavailable");
        for (MonitorPlan.Unavailable missing : probes.unavailable()) {
            json.writeStartObject();
            json.writeStringField("probe", missing.probe());
            json.writeStringField("reason", missing.reason());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    /** "; not attached: nft_do_chain (why)..." for the one line on stderr, or nothing. */
    static String missingSummary(MonitorProbes probes) {
        if (probes.unavailable().isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder("; not attached:");
        for (MonitorPlan.Unavailable missing : probes.unavailable()) {
            text.append(' ').append(missing.probe()).append(" (").append(missing.reason()).append(')');
        }
        return text.toString();
    }
}
