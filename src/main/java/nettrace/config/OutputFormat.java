package nettrace.config;

import java.util.Locale;

/** How a run's events are written: text for people, JSON lines for programs, pcapng for Wireshark. */
public enum OutputFormat {
    TEXT,
    JSON,
    PCAPNG;

    /** "text", "json", "pcapng": the --output value. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when stdout carries records for a program: nothing else may be written there. */
    public boolean isMachineReadable() {
        return this != TEXT;
    }
}
