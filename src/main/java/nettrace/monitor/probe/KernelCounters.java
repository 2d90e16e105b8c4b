package nettrace.monitor.probe;

import java.util.List;

/**
 * Everything the monitor's BPF side has counted, read at one moment.
 *
 * @param unkeyedDrops drops counted while the drop map was full (their class is not known)
 * @param unkeyedTcp   TCP events and RTT samples counted while their map was full
 * @param runs         per program (enum mon_program): runs so far
 * @param runNanos     per program: time spent in it
 */
public record KernelCounters(List<DropCount> drops, long unkeyedDrops, long unkeyedDropBytes, List<TcpCount> tcp,
        List<RttCount> rtt, long unkeyedTcp, long[] runs, long[] runNanos) {
}
