package nettrace.cli;

import java.util.EnumSet;
import java.util.Set;
import nettrace.config.ModeOption;
import picocli.CommandLine.Mixin;

/**
 * What a live trace and a replay share on their command lines: which packets (filters), which
 * mode, and how and where they are shown.
 */
final class ViewOfEvents {
    @Mixin
    FilterOptions filters = new FilterOptions();

    @Mixin
    ModeFlags modes = new ModeFlags();

    @Mixin
    ViewOptions view = new ViewOptions();

    /** The mode-bound options given here; the mode refuses those it does not take. */
    Set<ModeOption> given() {
        Set<ModeOption> given = EnumSet.noneOf(ModeOption.class);
        filters.given(given);
        modes.given(given);
        view.given(given);
        return given;
    }
}
