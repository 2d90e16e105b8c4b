package nettrace.monitor.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import nettrace.NettraceException;
import nettrace.config.IpAddress;
import nettrace.config.PacketFilter;

/**
 * A packet filter as the monitor's BPF side checks it: masked compares of a packet's flow
 * (struct mon_flow). "Either address" and "either port" are each two alternatives, so a filter is
 * up to four patterns, of which a packet must match one.
 */
public final class FilterPatterns {
    private FilterPatterns() {
    }

    /** The patterns of filter; none for a filter that selects every packet. */
    public static List<MonitorLayout.Pattern> of(PacketFilter filter) {
        if (filter.pid() != 0 || filter.maxLength() != 0 || filter.tcpFlags() != 0 || filter.expression().isPresent()) {
            throw new IllegalArgumentException("the monitor filters on addresses, ports, protocol and namespace only");
        }
        if (filter.isEmpty()) {
            return List.of();
        }
        Builder base = new Builder();
        if (filter.etherType() != 0) {
            base.set(MonitorLayout.FLOW_L3_PROTO, 2, filter.etherType());
        }
        if (filter.ipProtocol() != 0) {
            base.set(MonitorLayout.FLOW_L4_PROTO, 1, filter.ipProtocol());
        }
        if (filter.netns() != 0) {
            base.set(MonitorLayout.FLOW_NETNS, 4, filter.netns());
        }
        filter.source().ifPresent(address -> base.address(MonitorLayout.FLOW_SADDR, address));
        filter.destination().ifPresent(address -> base.address(MonitorLayout.FLOW_DADDR, address));
        if (filter.sourcePort() != 0) {
            base.set(MonitorLayout.FLOW_SPORT, 2, filter.sourcePort());
        }
        if (filter.destinationPort() != 0) {
            base.set(MonitorLayout.FLOW_DPORT, 2, filter.destinationPort());
        }
        List<Builder> patterns = List.of(base);
        patterns = eitherWay(patterns, filter.either(), (pattern, address, offset) -> pattern.address(offset, address),
                MonitorLayout.FLOW_SADDR, MonitorLayout.FLOW_DADDR);
        patterns = eitherWay(patterns, filter.eitherPort() == 0 ? Optional.empty() : Optional.of(filter.eitherPort()),
                (pattern, port, offset) -> pattern.set(offset, 2, port), MonitorLayout.FLOW_SPORT,
                MonitorLayout.FLOW_DPORT);
        List<MonitorLayout.Pattern> possible = patterns.stream().filter(pattern -> !pattern.contradictory)
                .map(Builder::build).toList();
        if (possible.isEmpty()) {
            throw NettraceException.badInput("the filter contradicts itself: no packet can match");
        }
        return possible;
    }

    private interface Constraint<T> {
        void apply(Builder pattern, T value, int offset);
    }

    /** Each pattern twice: value at the source field, or at the destination field. */
    private static <T> List<Builder> eitherWay(List<Builder> patterns, Optional<T> value, Constraint<T> constraint,
            int sourceOffset, int destinationOffset) {
        if (value.isEmpty()) {
            return patterns;
        }
        List<Builder> doubled = new ArrayList<>();
        for (Builder pattern : patterns) {
            for (int offset : new int[] {sourceOffset, destinationOffset}) {
                Builder copy = pattern.copy();
                constraint.apply(copy, value.get(), offset);
                doubled.add(copy);
            }
        }
        return doubled;
    }

    private static final class Builder {
        private final ByteBuffer match = ByteBuffer.allocate(MonitorLayout.FLOW_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer mask = ByteBuffer.allocate(MonitorLayout.FLOW_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        /** Two constraints on one field disagree (-s A --addr B): no packet matches this pattern. */
        private boolean contradictory;

        Builder copy() {
            Builder copy = new Builder();
            copy.match.put(0, match.array());
            copy.mask.put(0, mask.array());
            copy.contradictory = contradictory;
            return copy;
        }

        void set(int offset, int size, long value) {
            ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            for (int i = 0; i < size; i++) {
                setByte(offset + i, bytes.get(i));
            }
        }

        void address(int offset, IpAddress address) {
            byte[] bytes = address.bytes();
            for (int i = 0; i < bytes.length; i++) {
                setByte(offset + i, bytes[i]);
            }
        }

        private void setByte(int offset, byte value) {
            if (mask.get(offset) != 0 && match.get(offset) != value) {
                contradictory = true;
            }
            mask.put(offset, (byte) 0xff);
            match.put(offset, value);
        }

        MonitorLayout.Pattern build() {
            return new MonitorLayout.Pattern(match.array().clone(), mask.array().clone());
        }
    }
}
