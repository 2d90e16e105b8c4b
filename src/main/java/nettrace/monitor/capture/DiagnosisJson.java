package nettrace.monitor.capture;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Instant;

/** A published diagnosis as a JSON object: for /diagnoses and the monitor's log. */
public final class DiagnosisJson {
    private DiagnosisJson() {
    }

    /** Writes the fields of diagnosis into the object the generator is in. */
    public static void fields(JsonGenerator json, Diagnosis diagnosis) throws IOException {
        json.writeStringField("id", diagnosis.id());
        json.writeStringField("started", Instant.ofEpochMilli(diagnosis.timeMillis()).toString());
        json.writeObjectFieldStart("class");
        json.writeStringField("reason", diagnosis.dropClass().reason());
        json.writeStringField("location", diagnosis.dropClass().location());
        json.writeStringField("netns", diagnosis.dropClass().netns());
        json.writeEndObject();
        json.writeStringField("trigger", diagnosis.trigger());
        json.writeArrayFieldStart("options");
        for (String option : diagnosis.options()) {
            json.writeString(option);
        }
        json.writeEndArray();
        if (!diagnosis.error().isEmpty()) {
            json.writeStringField("error", diagnosis.error());
        }
        json.writeArrayFieldStart("lives");
        for (String life : diagnosis.lives()) {
            json.writeRawValue(life);
        }
        json.writeEndArray();
    }
}
