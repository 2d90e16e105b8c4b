package nettrace.output.pcapng;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import nettrace.bpf.Links;
import nettrace.diag.DiagnosedLife;
import nettrace.diag.DiagnosisSink;
import nettrace.diag.Finding;
import nettrace.event.Capture;
import nettrace.event.Outcome;
import nettrace.event.EventSink;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.LifeSink;
import nettrace.lifecycle.SkbLife;
import nettrace.output.EventFormatter;

/**
 * --output pcapng: each event a packet for Wireshark (docs/pcapng.md), on an interface named
 * after its tracer, with what nettrace knows of it as comments: the life it belongs to ("life
 * N"), the tracer, a drop's reason and location, a netfilter verdict's table and chain, and in
 * --diag the findings with their advice and the verdict.
 */
public final class PcapngOutput implements EventSink, LifeSink, DiagnosisSink.Printer {
    private final PcapngWriter writer;
    private final long bootEpochNanos;
    private long written;
    private long lives;

    /**
     * @param bootEpochNanos when the events' clock read 0, in nanoseconds since the Unix epoch
     */
    public PcapngOutput(OutputStream file, String application, String kernelRelease, int snaplen,
            long bootEpochNanos) {
        this.writer = new PcapngWriter(file, application, kernelRelease, snaplen);
        this.bootEpochNanos = bootEpochNanos;
    }

    // ---- basic modes: an event per packet

    @Override
    public void accept(SkbEvent event) {
        packet(event, List.of());
    }

    @Override
    public void idle(long nowNanos) {
        writer.flush();
    }

    @Override
    public void finish() {
        writer.close();
    }

    @Override
    public long completed() {
        return written;
    }

    // ---- lifecycle: a life's events, each marked with the life

    @Override
    public void complete(SkbLife life) {
        String id = "life " + ++lives;
        for (SkbEvent event : life.events()) {
            packet(event, List.of(id));
        }
    }

    // ---- diagnosis: the same, with each event's findings and the life's verdict on its last event

    @Override
    public void print(DiagnosedLife diagnosed, boolean last) {
        String id = "life " + ++lives;
        List<DiagnosedLife.Entry> entries = diagnosed.entries();
        for (int i = 0; i < entries.size(); i++) {
            List<String> comments = new ArrayList<>(List.of(id));
            for (Finding finding : entries.get(i).findings()) {
                comments.add(finding.level() + ": " + finding.message());
                for (Finding.Detail detail : finding.details()) {
                    comments.add(detail.title() + ": " + String.join(", ", detail.lines()));
                }
                finding.advice().ifPresent(advice -> comments.add("advice: " + advice));
            }
            if (i == entries.size() - 1) {
                comments.add("verdict: " + diagnosed.verdict().key() + " (" + diagnosed.verdictReason() + ")");
            }
            packet(entries.get(i).event(), comments);
        }
    }

    @Override
    public void flush() {
        writer.flush();
    }

    /** What the event says beyond its bytes, a comment each: "tracer: kfree_skb (life)", "drop: ...". */
    static List<String> facts(SkbEvent event) {
        List<String> facts = new ArrayList<>(4);
        facts.add("tracer: " + event.tracer().name() + " (" + event.tracer().group() + ")");
        switch (event.outcome()) {
            case Outcome.Dropped drop -> facts.add("drop reason: " + drop.reason()
                    + (drop.location() == null ? "" : ", " + drop.location().text()));
            case Outcome.FreedWithParent freed -> facts.add(freed.text());
            case Outcome.ResetSent reset -> facts.add("reset reason: " + reset.reason());
            case Outcome.IcmpErrorSent icmp -> facts.add("ICMP error sent: " + icmp.name());
            case Outcome.Cloned cloned -> facts.add("cloned: " + Long.toHexString(cloned.copy()));
            case Outcome.Consumed consumed -> { }
            case null -> { }
        }
        if (event.hasNetfilter()) {
            StringBuilder netfilter = new StringBuilder();
            EventFormatter.appendNetfilter(netfilter, event.netfilter());
            facts.add("netfilter: " + netfilter.toString().replace("*", "").strip());
        }
        facts.add("netns: " + event.netns().name() + (event.interfaceName().isEmpty() ? ""
                : ", device " + event.interfaceName()));
        return facts;
    }

    private void packet(SkbEvent event, List<String> extra) {
        Capture capture = event.capture();
        int link = capture == null ? Links.LINK_RAW : capture.link();
        byte[] bytes = capture == null ? new byte[0] : capture.bytes();
        int length = capture == null ? 0 : Math.max(capture.packetLength(), bytes.length);
        List<String> comments = new ArrayList<>(extra);
        comments.addAll(facts(event));
        writer.packet(writer.interfaceFor(event.tracer().name(), link), bootEpochNanos + event.timestamp(), bytes,
                bytes.length, length, comments);
        written++;
    }
}
