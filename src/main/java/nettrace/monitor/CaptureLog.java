package nettrace.monitor;

import java.util.List;
import nettrace.monitor.capture.AnomalyCapture;
import nettrace.monitor.capture.AnomalyWatcher;
import nettrace.monitor.capture.Diagnosis;
import nettrace.monitor.capture.DiagnosisBoard;
import nettrace.monitor.capture.DiagnosisJson;

/** Where captures report: the log gets a line per capture and per diagnosis, the board the diagnosis. */
final class CaptureLog implements AnomalyCapture.Listener {
    private final MonitorLog log;
    private final DiagnosisBoard board;

    CaptureLog(MonitorLog log, DiagnosisBoard board) {
        this.log = log;
        this.board = board;
    }

    @Override
    public void started(AnomalyWatcher.Trigger trigger, List<String> options) {
        log.info("capture", json -> {
            json.writeStringField("trigger", trigger.why());
            json.writeStringField("reason", trigger.dropClass().reason());
            json.writeStringField("location", trigger.dropClass().location());
            json.writeStringField("netns", trigger.dropClass().netns());
            json.writeStringField("options", String.join(" ", options));
        });
    }

    @Override
    public void skipped(AnomalyWatcher.Trigger trigger, String why) {
        log.info("capture_skipped", json -> {
            json.writeStringField("reason", trigger.dropClass().reason());
            json.writeStringField("location", trigger.dropClass().location());
            json.writeStringField("netns", trigger.dropClass().netns());
            json.writeStringField("why", why);
        });
    }

    @Override
    public void failed(String why) {
        log.error("capture_failed", json -> json.writeStringField("why", why));
    }

    @Override
    public void published(Diagnosis diagnosis) {
        board.publish(diagnosis);
        if (diagnosis.error().isEmpty()) {
            log.info("diagnosis", json -> DiagnosisJson.fields(json, diagnosis));
        } else {
            log.warning("diagnosis", json -> DiagnosisJson.fields(json, diagnosis));
        }
    }
}
