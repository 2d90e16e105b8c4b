package nettrace.config;

import static nettrace.config.ModeOption.COUNT;
import static nettrace.config.ModeOption.EXPRESSION;
import static nettrace.config.ModeOption.FOLLOWING;
import static nettrace.config.ModeOption.HOOKS;
import static nettrace.config.ModeOption.LATENCY_FREE;
import static nettrace.config.ModeOption.LATENCY_SHOW;
import static nettrace.config.ModeOption.MIN_LATENCY;
import static nettrace.config.ModeOption.PACKET_FILTER;
import static nettrace.config.ModeOption.RATE_LIMIT;
import static nettrace.config.ModeOption.RETURN_VALUES;
import static nettrace.config.ModeOption.RTT_FILTER;
import static nettrace.config.ModeOption.SNAPLEN;
import static nettrace.config.ModeOption.TINY_SHOW;
import static nettrace.config.ModeOption.TRACER_CHOICE;
import static nettrace.config.ModeOption.TRACE_STACK;
import static nettrace.config.OutputFormat.JSON;
import static nettrace.config.OutputFormat.PCAPNG;
import static nettrace.config.OutputFormat.TEXT;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import nettrace.NettraceException;
import nettrace.bpf.Modes;

/**
 * The modes (exactly one per run, SPEC §1) and, in one table, how each is wired: how the BPF
 * side treats hits, which part of the tracer tree it uses, what it shows, which output formats
 * and which options it accepts. Anything given that the mode does not accept is refused here,
 * never silently ignored.
 */
public enum Mode {
    /** Follow each matching skb from first sight to its free; print one block per skb. */
    LIFECYCLE("lifecycle", Modes.MODE_LIFECYCLE, "skb", View.LIVES, EnumSet.of(TEXT, JSON, PCAPNG),
            EnumSet.of(TINY_SHOW, LATENCY_SHOW, LATENCY_FREE, MIN_LATENCY, FOLLOWING, PACKET_FILTER, EXPRESSION,
                    TRACER_CHOICE, TRACE_STACK, RETURN_VALUES, COUNT, SNAPLEN)),
    /** Print every hit as it comes. */
    BASIC("--basic", Modes.MODE_BASIC, "skb", View.EVENTS, EnumSet.of(TEXT, JSON, PCAPNG),
            EnumSet.of(RATE_LIMIT, PACKET_FILTER, EXPRESSION, TRACER_CHOICE, TRACE_STACK, RETURN_VALUES, COUNT,
                    SNAPLEN)),
    /** Lifecycle plus diagnosis rules and an analysis of each problem packet. */
    DIAG("--diag", Modes.MODE_LIFECYCLE, "skb", View.DIAGNOSES, EnumSet.of(TEXT, JSON, PCAPNG),
            EnumSet.of(HOOKS, TINY_SHOW, LATENCY_SHOW, LATENCY_FREE, MIN_LATENCY, FOLLOWING, PACKET_FILTER,
                    EXPRESSION, TRACER_CHOICE, TRACE_STACK, RETURN_VALUES, COUNT, SNAPLEN)),
    /** Every kfree_skb with its tuple, reason and location (the original's droptrace). */
    DROP("--drop", Modes.MODE_BASIC, "drop", View.EVENTS, EnumSet.of(TEXT, JSON, PCAPNG),
            EnumSet.of(RATE_LIMIT, PACKET_FILTER, EXPRESSION, COUNT, SNAPLEN)),
    /** struct sock events: TCP state changes, retransmits, resets. */
    SOCK("--sock", Modes.MODE_BASIC, "sock", View.EVENTS, EnumSet.of(TEXT, JSON),
            EnumSet.of(TRACER_CHOICE, COUNT)),
    /** Histogram of TCP round-trip times. */
    RTT("--rtt", Modes.MODE_RTT, "rtt", View.RTT_REPORT, EnumSet.of(TEXT), EnumSet.of(RTT_FILTER, COUNT)),
    /** One line per skb: its first and last point and the time between. */
    LATENCY("--latency", Modes.MODE_LIFECYCLE, "skb", View.LATENCIES, EnumSet.of(TEXT),
            EnumSet.of(LATENCY_FREE, MIN_LATENCY, FOLLOWING, PACKET_FILTER, EXPRESSION, TRACER_CHOICE, RETURN_VALUES,
                    COUNT)),
    /** Hits per tracer, each second. */
    FUNC_STATS("--func-stats", Modes.MODE_STATS, "skb", View.FUNCTION_STATS, EnumSet.of(TEXT),
            EnumSet.of(PACKET_FILTER, EXPRESSION, TRACER_CHOICE));

    private final String option;
    private final int bpfMode;
    private final String tracerMode;
    private final View view;
    private final Set<OutputFormat> formats;
    private final Set<ModeOption> options;

    Mode(String option, int bpfMode, String tracerMode, View view, Set<OutputFormat> formats,
            Set<ModeOption> options) {
        this.option = option;
        this.bpfMode = bpfMode;
        this.tracerMode = tracerMode;
        this.view = view;
        this.formats = formats;
        this.options = options;
    }

    /** How the user selects this mode, for messages. */
    public String option() {
        return option;
    }

    /** How the BPF side treats hits (bpf.Modes). */
    public int bpfMode() {
        return bpfMode;
    }

    /** The tracer tree's part this mode uses: "skb", "sock", "rtt", or "drop" (the kfree_skb tracers). */
    public String tracerMode() {
        return tracerMode;
    }

    public View view() {
        return view;
    }

    /** Modes that follow an skb by its address after its first match. */
    public boolean followsSkb() {
        return bpfMode == Modes.MODE_LIFECYCLE;
    }

    /**
     * Refuses what this mode does not accept: an option of other modes (naming them), or an
     * output format it cannot write.
     */
    public void check(Set<ModeOption> given, OutputFormat format) {
        for (ModeOption option : given) {
            if (!options.contains(option)) {
                throw NettraceException.badInput(option.flags() + " belongs to " + modesAccepting(option) + ", not "
                        + this.option);
            }
        }
        if (!formats.contains(format)) {
            throw NettraceException.badInput("--output " + format.key() + " belongs to " + Arrays.stream(values())
                    .filter(mode -> mode.formats.contains(format)).map(Mode::option)
                    .collect(Collectors.joining(", ")) + ", not " + option);
        }
    }

    private static String modesAccepting(ModeOption option) {
        return Arrays.stream(values()).filter(mode -> mode.options.contains(option)).map(Mode::option)
                .collect(Collectors.joining(", "));
    }
}
