package nettrace.cli;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import nettrace.NettraceException;
import nettrace.config.Mode;

/**
 * Which mode the flags choose (exactly one), and which options belong to which modes
 * (SPEC §1): a flag outside its modes is an error, not silently ignored.
 */
final class ModeRules {
    private final Map<String, Mode> modeFlags = new LinkedHashMap<>();
    private final List<String[]> options = new ArrayList<>();
    private final Map<String, Set<Mode>> allowed = new LinkedHashMap<>();

    /** A flag that selects a mode when given. */
    ModeRules mode(boolean given, String flag, Mode mode) {
        if (given) {
            modeFlags.put(flag, mode);
        }
        return this;
    }

    /** An option that only the given modes accept. */
    ModeRules option(boolean given, String option, Mode first, Mode... rest) {
        if (given) {
            allowed.put(option, EnumSet.of(first, rest));
        }
        return this;
    }

    Mode choose() {
        Set<Mode> chosen = EnumSet.copyOf(modeFlags.values().isEmpty() ? Set.of(Mode.LIFECYCLE) : modeFlags.values());
        if (chosen.size() > 1) {
            throw NettraceException.badInput("choose one mode: " + String.join(", ", modeFlags.keySet())
                    + " exclude each other");
        }
        Mode mode = chosen.iterator().next();
        allowed.forEach((option, modes) -> {
            if (!modes.contains(mode)) {
                throw NettraceException.badInput(option + " belongs to " + modes.stream().map(Mode::option)
                        .collect(Collectors.joining(", ")) + ", not " + mode.option());
            }
        });
        return mode;
    }
}
