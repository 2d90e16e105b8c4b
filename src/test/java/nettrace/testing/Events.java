package nettrace.testing;

import java.util.List;
import java.util.Optional;
import nettrace.event.Outcome;
import nettrace.event.Packet;
import nettrace.event.SkbEvent;
import nettrace.kernel.NetworkNamespaces.Namespace;
import nettrace.tracer.Analyzer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Mechanism;
import nettrace.tracer.Rule;
import nettrace.tracer.Tracer;

/** Hand-made events and plans for unit tests of the layers above the kernel. */
public final class Events {
    public static final Packet PING = new Packet(Packet.ETH_P_IP, Packet.IPPROTO_ICMP, 0x0a00000100000000L, 0,
            0x0a00000200000000L, 0, 0, 0, 0, 0, 0, 84, 0, 8, 0, 7, 1, 0, 0);
    public static final Namespace NETNS = new Namespace(4026532000L, "ns-a", "ip netns exec ns-a ");
    public static final long SKB = 0xffff888000001000L;

    /** kfree_skb as the tracer tree has it: every event an error. */
    public static final Tracer KFREE_SKB = tracer("kfree_skb", "life", Analyzer.DROP,
            rule("any", Rule.Level.ERROR, "packet is dropped by kernel", null));
    /** consume_skb as the tracer tree has it: a normal end. */
    public static final Tracer CONSUME_SKB = tracer("consume_skb", "life", Analyzer.FREE,
            rule("any", Rule.Level.INFO, "packet is freed (normally)", null));

    private Events() {
    }

    public static Tracer tracer(String name, String group, Analyzer analyzer, Rule... rules) {
        return new Tracer(name, group, List.of(), -1, false, Optional.of("x:" + name), Optional.empty(), analyzer,
                List.of(rules), true, List.of(), false);
    }

    /** A plan attaching these tracers by tracepoint, ids in order. */
    public static AttachPlan plan(Tracer... tracers) {
        List<AttachPlan.Planned> planned = new java.util.ArrayList<>();
        for (Tracer tracer : tracers) {
            planned.add(new AttachPlan.Planned(tracer, planned.size(), Mechanism.TRACEPOINT, tracer.name(), 1,
                    Optional.empty(), 0, false));
        }
        return new AttachPlan(planned, List.of());
    }

    public static Rule rule(String when, Rule.Level level, String message, String advice) {
        return new Rule(Rule.Condition.parse(when), level, message, Optional.ofNullable(advice));
    }

    /** A ping's event at tracer, of skb SKB, with default facts; change what a test needs with the builder. */
    public static Builder at(Tracer tracer) {
        return new Builder(tracer);
    }

    /** An event, built field by field. */
    public static final class Builder {
        private final Tracer tracer;
        private long timestamp = 1_000_000L;
        private long skb = SKB;
        private int flags;
        private Namespace netns = NETNS;
        private String interfaceName = "";
        private String command = "";
        private Packet packet = PING;
        private Packet inner;
        private long head = SKB << 4;
        private long fingerprint = 7;
        private long result;
        private Outcome outcome;
        private int cpu;

        private Builder(Tracer tracer) {
            this.tracer = tracer;
        }

        public Builder time(long nanos) {
            this.timestamp = nanos;
            return this;
        }

        public Builder skb(long address) {
            this.skb = address;
            this.head = address << 4;
            return this;
        }

        public Builder flags(int flags) {
            this.flags = flags;
            return this;
        }

        public Builder netns(Namespace namespace) {
            this.netns = namespace;
            return this;
        }

        public Builder device(String name) {
            this.interfaceName = name;
            return this;
        }

        public Builder command(String command) {
            this.command = command;
            return this;
        }

        public Builder packet(Packet packet) {
            this.packet = packet;
            return this;
        }

        public Builder inner(Packet inner) {
            this.inner = inner;
            return this;
        }

        public Builder buffer(long head, long fingerprint) {
            this.head = head;
            this.fingerprint = fingerprint;
            return this;
        }

        public Builder returned(long value) {
            this.result = value;
            this.flags |= nettrace.bpf.EventFlags.EVENT_RET;
            return this;
        }

        public Builder outcome(Outcome outcome) {
            this.outcome = outcome;
            return this;
        }

        public Builder cpu(int cpu) {
            this.cpu = cpu;
            return this;
        }

        public SkbEvent build() {
            return new SkbEvent(timestamp, skb, tracer, flags, cpu, 1, netns, interfaceName.isEmpty() ? 0 : 2,
                    interfaceName, command, packet, inner, head, fingerprint, result, outcome, null, null, List.of(),
                    null);
        }
    }
}
