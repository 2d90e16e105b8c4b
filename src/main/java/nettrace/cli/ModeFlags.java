package nettrace.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import nettrace.NettraceException;
import nettrace.config.Config;
import nettrace.config.Mode;
import nettrace.config.ModeOption;
import picocli.CommandLine.Option;

/** Which mode (exactly one), and the options that belong to modes: of a live trace and of a replay. */
final class ModeFlags {
    @Option(names = "--basic", description = "print every hit as it comes, without following skbs")
    boolean basic;

    @Option(names = "--diag", description = "diagnose: findings per event and an analysis with fix advice")
    boolean diag;

    @Option(names = "--diag-quiet", description = "diagnose, showing only packets with problems")
    boolean diagQuiet;

    @Option(names = "--diag-keep", description = "diagnose, and keep going after the first error")
    boolean diagKeep;

    @Option(names = "--hooks", description = "in diagnosis, list the netfilter hook functions of a drop's hook")
    boolean hooks;

    @Option(names = "--drop", description = "drop monitor: every kfree_skb with its reason and location")
    boolean drop;

    @Option(names = "--drop-stack", description = "drop monitor with the kernel stack of each drop")
    boolean dropStack;

    @Option(names = "--sock", description = "trace struct sock events: TCP state changes, retransmits, resets")
    boolean sock;

    @Option(names = "--rtt", description = "histogram of TCP round-trip times, each second")
    boolean rtt;

    @Option(names = "--rtt-detail", description = "with --rtt, also a line per sample")
    boolean rttDetail;

    @Option(names = "--filter-srtt", paramLabel = "MS", description = "--rtt: only samples of at least MS ms")
    String filterSrtt;

    @Option(names = "--filter-minrtt", paramLabel = "MS",
            description = "--rtt: only connections whose minimum RTT is at least MS ms")
    String filterMinRtt;

    @Option(names = "--latency", description = "one line per skb: first point, last point and the time between")
    boolean latency;

    @Option(names = "--latency-summary", description = "histogram of skb lifetimes, each second")
    boolean latencySummary;

    @Option(names = "--latency-show", description = "in lifecycle and --diag blocks, the time from the previous event")
    boolean latencyShow;

    @Option(names = "--latency-free", description = "count the skb's free as its last point")
    boolean latencyFree;

    @Option(names = "--min-latency", paramLabel = "US", description = "only skbs that lived at least US microseconds")
    String minLatency;

    @Option(names = "--func-stats", description = "hits per tracer, each second, instead of events")
    boolean funcStats;

    @Option(names = "--rate-limit", paramLabel = "N", description = "at most N events per second (--basic, --drop)")
    String rateLimit;

    /** The one mode the flags choose (lifecycle when none does). */
    Mode mode() {
        Map<String, Mode> chosen = new LinkedHashMap<>();
        choose(chosen, basic, "--basic", Mode.BASIC);
        choose(chosen, diag || diagQuiet || diagKeep, "--diag", Mode.DIAG);
        choose(chosen, drop || dropStack, "--drop", Mode.DROP);
        choose(chosen, sock, "--sock", Mode.SOCK);
        choose(chosen, rtt || rttDetail, "--rtt", Mode.RTT);
        choose(chosen, latency || latencySummary, "--latency", Mode.LATENCY);
        choose(chosen, funcStats, "--func-stats", Mode.FUNC_STATS);
        if (chosen.size() > 1) {
            throw NettraceException.badInput("choose one mode: " + String.join(", ", chosen.keySet())
                    + " exclude each other");
        }
        return chosen.isEmpty() ? Mode.LIFECYCLE : chosen.values().iterator().next();
    }

    private static void choose(Map<String, Mode> chosen, boolean given, String flag, Mode mode) {
        if (given) {
            chosen.put(flag, mode);
        }
    }

    /** The mode-bound options given here. */
    void given(Set<ModeOption> given) {
        add(given, hooks, ModeOption.HOOKS);
        add(given, latencyShow, ModeOption.LATENCY_SHOW);
        add(given, latencyFree, ModeOption.LATENCY_FREE);
        add(given, minLatency != null, ModeOption.MIN_LATENCY);
        add(given, rateLimit != null, ModeOption.RATE_LIMIT);
        add(given, filterSrtt != null || filterMinRtt != null, ModeOption.RTT_FILTER);
    }

    static void add(Set<ModeOption> given, boolean present, ModeOption option) {
        if (present) {
            given.add(option);
        }
    }

    Config.DiagOptions diagOptions() {
        return new Config.DiagOptions(diagQuiet, diagKeep, hooks);
    }

    Config.ModeOptions modeOptions() {
        return new Config.ModeOptions(dropStack, rttDetail,
                filterSrtt == null ? 0 : OptionValues.milliseconds(filterSrtt, "--filter-srtt"),
                filterMinRtt == null ? 0 : OptionValues.milliseconds(filterMinRtt, "--filter-minrtt"),
                latencySummary, latencyShow, latencyFree,
                minLatency == null ? 0 : OptionValues.positiveLong(minLatency, "--min-latency"),
                rateLimit == null ? 0 : OptionValues.positiveLong(rateLimit, "--rate-limit"));
    }
}
