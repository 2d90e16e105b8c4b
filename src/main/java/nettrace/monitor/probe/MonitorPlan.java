package nettrace.monitor.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import nettrace.kernel.Btf;
import nettrace.kernel.KernelBtf;
import nettrace.kernel.KernelFeatures;
import nettrace.kernel.KernelSymbols;
import nettrace.tracer.Mechanism;

/**
 * What the monitor attaches on this kernel and how: its tracepoints where the kernel has them,
 * and the netfilter functions by fentry, else kprobe, as the tracer's attach plan would choose;
 * with the reason for each one it cannot attach.
 */
public record MonitorPlan(List<Attachment> attachments, List<Unavailable> unavailable) {

    /** A program to attach: to a tracepoint (target is its name) or to a kernel function. */
    public record Attachment(String probe, String program, Mechanism mechanism, String target) {
    }

    /** A probe this kernel cannot have, and what is missing because of it. */
    public record Unavailable(String probe, String reason) {
    }

    /** A tracepoint the counters come from, and the program of monitor.bpf.c attached to it. */
    private record Tracepoint(String probe, String program) {
        String name() {
            return probe.substring(probe.indexOf(':') + 1);
        }
    }

    private static final List<Tracepoint> TRACEPOINTS = List.of(
            new Tracepoint("skb:kfree_skb", "monitor_kfree_skb"),
            new Tracepoint("tcp:tcp_retransmit_skb", "monitor_tcp_retransmit"),
            new Tracepoint("tcp:tcp_send_reset", "monitor_tcp_send_reset"),
            new Tracepoint("tcp:tcp_receive_reset", "monitor_tcp_receive_reset"),
            new Tracepoint("sock:inet_sock_set_state", "monitor_sock_state"));
    private static final Tracepoint RTT = new Tracepoint("tcp:tcp_probe", "monitor_tcp_rtt");
    /** kfree_skb's program when no netfilter function is attached: it reads no netfilter type. */
    private static final String DROP_WITHOUT_CHAINS = "monitor_kfree_skb_plain";
    /** The netfilter functions whose verdicts name a drop's table and chain. */
    private static final List<String> NETFILTER = List.of("nft_do_chain", "ipt_do_table");
    private static final String SKB = "struct sk_buff *";

    public static MonitorPlan of(KernelBtf kernelBtf, KernelSymbols symbols, KernelFeatures features,
            boolean rttHistogram) {
        List<Attachment> attachments = new ArrayList<>();
        List<Unavailable> unavailable = new ArrayList<>();
        List<Tracepoint> tracepoints = new ArrayList<>(TRACEPOINTS);
        if (rttHistogram) {
            tracepoints.add(RTT);
        }
        Btf btf = kernelBtf.vmlinux();
        for (Tracepoint tracepoint : tracepoints) {
            if (btf.find("btf_trace_" + tracepoint.name(), Btf.Kind.TYPEDEF).isPresent()) {
                attachments.add(new Attachment(tracepoint.probe(), tracepoint.program(), Mechanism.TRACEPOINT,
                        tracepoint.name()));
            } else {
                unavailable.add(new Unavailable(tracepoint.probe(), "tracepoint not in this kernel"));
            }
        }
        for (String function : NETFILTER) {
            planNetfilter(function, kernelBtf, symbols, features).ifPresentOrElse(attachments::add,
                    () -> unavailable.add(new Unavailable(function, whyNot(function, kernelBtf, symbols, features))));
        }
        return withDropProgram(attachments, unavailable);
    }

    /** The plan, kfree_skb's program chosen by whether any netfilter function is attached. */
    private static MonitorPlan withDropProgram(List<Attachment> attachments, List<Unavailable> unavailable) {
        boolean chains = attachments.stream().anyMatch(a -> NETFILTER.contains(a.probe()));
        List<Attachment> chosen = attachments.stream().map(a -> !a.probe().equals("skb:kfree_skb") ? a
                : new Attachment(a.probe(), chains ? "monitor_kfree_skb" : DROP_WITHOUT_CHAINS, a.mechanism(),
                        a.target())).toList();
        return new MonitorPlan(chosen, List.copyOf(unavailable));
    }

    /** This plan without the netfilter functions (their types cannot be relocated), saying why. */
    public MonitorPlan withoutNetfilter(String why) {
        List<Unavailable> missing = new ArrayList<>(unavailable);
        attachments.stream().filter(a -> NETFILTER.contains(a.probe()))
                .forEach(a -> missing.add(new Unavailable(a.probe(), why)));
        return withDropProgram(attachments.stream().filter(a -> !NETFILTER.contains(a.probe())).toList(), missing);
    }

    private static Optional<Attachment> planNetfilter(String function, KernelBtf kernelBtf, KernelSymbols symbols,
            KernelFeatures features) {
        Optional<String> symbol = symbols.resolve(function);
        if (symbol.isEmpty()) {
            return Optional.empty();
        }
        Optional<Integer> skbArgument = skbArgument(function, kernelBtf, symbols);
        String suffix = function.equals("ipt_do_table") ? skbArgument.map(index -> "_" + index).orElse("") : "";
        if (function.equals("ipt_do_table") && skbArgument.filter(index -> index <= 1).isEmpty()) {
            return Optional.empty();
        }
        if (features.fentry() && kernelBtf.function(symbol.get(), symbols).isPresent()) {
            return Optional.of(new Attachment(function, "monitor_fentry_" + function + suffix, Mechanism.FENTRY,
                    symbol.get()));
        }
        if (features.kprobe()) {
            return Optional.of(new Attachment(function, "monitor_kprobe_" + function + suffix, Mechanism.KPROBE,
                    symbol.get()));
        }
        return Optional.empty();
    }

    /** Where the function takes its skb (ipt_do_table moved it in 5.16); 0 when BTF cannot say. */
    private static Optional<Integer> skbArgument(String function, KernelBtf kernelBtf, KernelSymbols symbols) {
        Optional<KernelBtf.Function> described = symbols.resolve(function)
                .flatMap(symbol -> kernelBtf.function(symbol, symbols));
        if (described.isEmpty()) {
            return Optional.empty();
        }
        List<Btf.Parameter> parameters = described.get().btf().functionParameters(function).orElse(List.of());
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i).typeName().equals(SKB)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private static String whyNot(String function, KernelBtf kernelBtf, KernelSymbols symbols,
            KernelFeatures features) {
        String labels = "drops by " + (function.equals("nft_do_chain") ? "nftables" : "iptables-legacy")
                + " carry no hook, table and chain labels";
        if (symbols.resolve(function).isEmpty()) {
            return function + " is not in this kernel (its module is not loaded): " + labels;
        }
        if (function.equals("ipt_do_table") && skbArgument(function, kernelBtf, symbols).isEmpty()) {
            return "BTF does not say where ipt_do_table takes its skb: " + labels;
        }
        List<String> reasons = new ArrayList<>();
        reasons.add(features.fentryUnavailable().orElse(function + " has no BTF description for fentry"));
        features.kprobeUnavailable().ifPresent(reasons::add);
        return String.join("; ", reasons) + ": " + labels;
    }

    /** The programs to load: each attachment's. */
    public List<String> programs() {
        return attachments.stream().map(Attachment::program).toList();
    }

    /** This plan with a function's fentry attachment moved to its kprobe (the kernel refused the fentry). */
    public MonitorPlan withKprobeFor(Attachment refused, KernelFeatures features) {
        List<Attachment> kept = new ArrayList<>(attachments);
        kept.remove(refused);
        List<Unavailable> missing = new ArrayList<>(unavailable);
        if (features.kprobe()) {
            kept.add(new Attachment(refused.probe(), refused.program().replace("fentry", "kprobe"), Mechanism.KPROBE,
                    refused.target()));
        } else {
            missing.add(new Unavailable(refused.probe(), "the kernel refused its fentry program and has no kprobes"));
        }
        return withDropProgram(kept, missing);
    }
}
