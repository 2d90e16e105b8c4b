package nettrace.monitor.capture;

import java.util.List;

/**
 * A capture's result as published: the drop class that started it and why, the trace options it
 * ran with, and the diagnosed lives (each a JSON object as --diag --output json writes it).
 *
 * @param id          what the metric's exemplar names (diagnosis_id)
 * @param trigger     "new class" or "rate above threshold"
 * @param lives       JSON objects of type "diagnosis", the drops first
 * @param error       why the capture failed, empty when it ran
 */
public record Diagnosis(String id, long timeMillis, DropClass dropClass, String trigger, List<String> options,
        List<String> lives, String error) {
}
