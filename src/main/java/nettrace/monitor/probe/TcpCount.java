package nettrace.monitor.probe;

/** One key of the kernel's TCP trouble counters, summed over CPUs. */
public record TcpCount(long netns, Event event, long reason, long count) {

    /** enum mon_tcp_event (values 1..4, in this order) */
    public enum Event { RETRANSMIT, RESET_SENT, RESET_RECEIVED, CONNECT_FAILED }
}
