package nettrace.monitor.probe;

import java.nio.ByteBuffer;
import java.util.Optional;
import nettrace.libbpf.MapEntries;

/** Turns the kernel maps' keys and per-CPU values into counter records (layouts: MonitorLayout). */
final class CounterDecoding {
    private CounterDecoding() {
    }

    static DropCount drop(MapEntries drops, int index) {
        ByteBuffer key = drops.key(index);
        long last = 0;
        int newest = 0;
        for (int cpu = 0; cpu < drops.cpus(); cpu++) {
            long at = drops.valueLong(index, cpu, MonitorLayout.DROP_LAST_SEEN);
            if (at > last) {
                last = at;
                newest = cpu;
            }
        }
        return new DropCount(new DropCount.Key(key.getLong(MonitorLayout.DROP_LOCATION),
                Integer.toUnsignedLong(key.getInt(MonitorLayout.DROP_REASON)),
                Integer.toUnsignedLong(key.getInt(MonitorLayout.DROP_NETNS)),
                MonitorLayout.string(key, MonitorLayout.DROP_IFNAME, MonitorLayout.IFNAME_SIZE),
                Short.toUnsignedInt(key.getShort(MonitorLayout.DROP_L3_PROTO)),
                Byte.toUnsignedInt(key.get(MonitorLayout.DROP_L4_PROTO)), MonitorLayout.verdict(key)),
                drops.sum(index, MonitorLayout.DROP_PACKETS), drops.sum(index, MonitorLayout.DROP_BYTES), last,
                MonitorLayout.flow(drops.value(index, newest), MonitorLayout.DROP_SAMPLE));
    }

    static Optional<TcpCount> tcp(MapEntries tcp, int index) {
        ByteBuffer key = tcp.key(index);
        int event = key.getInt(MonitorLayout.TCP_EVENT) - MonitorLayout.TCP_EVENT_FIRST;
        if (event < 0 || event >= TcpCount.Event.values().length) {
            return Optional.empty();
        }
        return Optional.of(new TcpCount(Integer.toUnsignedLong(key.getInt(MonitorLayout.TCP_NETNS)),
                TcpCount.Event.values()[event], Integer.toUnsignedLong(key.getInt(MonitorLayout.TCP_REASON)),
                tcp.sum(index, 0)));
    }

    static RttCount rtt(MapEntries rtt, int index) {
        ByteBuffer key = rtt.key(index);
        return new RttCount(Integer.toUnsignedLong(key.getInt(MonitorLayout.RTT_NETNS)),
                key.getInt(MonitorLayout.RTT_BUCKET), rtt.sum(index, 0));
    }
}
