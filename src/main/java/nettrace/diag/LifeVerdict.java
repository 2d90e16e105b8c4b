package nettrace.diag;

import java.util.List;
import java.util.Optional;
import nettrace.event.Outcome;
import nettrace.event.SkbEvent;
import nettrace.lifecycle.SkbLife;
import nettrace.tracer.Rule;

/**
 * The verdict on a diagnosed life, from what was seen and only that: a problem found is told;
 * a life whose end was not seen is unknown, and so is one whose packet went on in a copy that was
 * not seen; a dropped packet is never good; a TCP SYN that a listener consumed is good only once
 * its answer was seen (a full accept queue consumes SYNs the same way it consumes those it answers).
 */
final class LifeVerdict {
    private static final String TCP_RECEIVE = "tcp-in";
    private static final String FREED_WITH_PARENT =
            "freed with the packet it was part of (a reassembled datagram, a GRO batch)";

    private LifeVerdict() {
    }

    static DiagnosedLife judge(SkbLife life, List<DiagnosedLife.Entry> entries, Handshakes handshakes) {
        Optional<Finding> error = first(entries, Rule.Level.ERROR);
        if (error.isPresent()) {
            return new DiagnosedLife(life, entries, Verdict.ERROR, error.get().message());
        }
        Optional<Finding> warning = first(entries, Rule.Level.WARN);
        if (warning.isPresent()) {
            return new DiagnosedLife(life, entries, Verdict.WARN, warning.get().message());
        }
        if (!life.ending().endSeen()) {
            return new DiagnosedLife(life, entries, Verdict.UNKNOWN, life.ending().noEndSeen());
        }
        if (entries.getLast().event().outcome() instanceof Outcome.FreedWithParent freed && freed.parentDrop() == null) {
            return freed.parentConsumed()
                    ? new DiagnosedLife(life, entries, Verdict.GOOD, FREED_WITH_PARENT + ", which was consumed normally")
                    : new DiagnosedLife(life, entries, Verdict.UNKNOWN, FREED_WITH_PARENT + ", whose own end was not seen");
        }
        if (entries.getLast().event().outcome() instanceof Outcome.Consumed consumed && consumed.handedOn()) {
            return new DiagnosedLife(life, entries, Verdict.UNKNOWN, "it went on in a copy made at "
                    + consumed.location().function() + " for an XDP program (or as an XDP frame that XDP_TX or"
                    + " XDP_REDIRECT sent on), whose fate was not seen");
        }
        for (DiagnosedLife.Entry entry : entries) {
            if (entry.event().isDrop() && !entry.findings().isEmpty()) {
                return new DiagnosedLife(life, entries, Verdict.EXPECTED, entry.findings().getFirst().message());
            }
        }
        // the first point where the packet was seen (before __ip_local_out sets the headers, nothing is)
        SkbEvent first = entries.getFirst().event();
        for (DiagnosedLife.Entry entry : entries) {
            if (entry.event().userPacket().l3Protocol() != 0) {
                first = entry.event();
                break;
            }
        }
        if (Handshakes.isSyn(first.userPacket()) && consumedByTcp(entries)
                && !handshakes.answered(first.userPacket())) {
            return new DiagnosedLife(life, entries, Verdict.UNKNOWN, "a listening socket consumed this SYN, and no"
                    + " SYN-ACK answering it was seen: it was accepted, or refused because the accept queue was"
                    + " full (both look alike); trace both directions (e.g. --port) to see the answer");
        }
        boolean delivered = entries.stream().anyMatch(entry -> entry.tracer().equals("skb_copy_datagram_iovec"));
        return new DiagnosedLife(life, entries, Verdict.GOOD, delivered ? "delivered to the application"
                : "consumed normally");
    }

    private static Optional<Finding> first(List<DiagnosedLife.Entry> entries, Rule.Level level) {
        for (int e = 0; e < entries.size(); e++) { // indexed: see DiagnosedLife.worst
            List<Finding> findings = entries.get(e).findings();
            for (int f = 0; f < findings.size(); f++) {
                if (findings.get(f).level() == level) {
                    return Optional.of(findings.get(f));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * True when TCP's receive path consumed the packet: the consume's location is a TCP function
     * (kernels since 6.3 tell it), or the event before the consume was in TCP's receive path.
     */
    private static boolean consumedByTcp(List<DiagnosedLife.Entry> entries) {
        DiagnosedLife.Entry last = entries.getLast();
        if (!(last.event().outcome() instanceof Outcome.Consumed consumed) || !last.event().endsLife()) {
            return false;
        }
        if (consumed.location() != null) {
            return consumed.location().function().startsWith("tcp_");
        }
        return entries.size() > 1 && entries.get(entries.size() - 2).group().equals(TCP_RECEIVE);
    }
}
