package nettrace.event;

import java.util.List;

/** A socket's state and TCP's view of its path, as a socket tracer saw them. */
public record SockState(int state, int oldState, int congestionState, long srttMicros, long minRttMicros,
        long congestionWindow, long packetsOut, long retransmitsOut, long totalRetransmits) {

    private static final List<String> STATES = List.of("UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV",
            "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
            "NEW_SYN_RECV", "BOUND_INACTIVE");
    private static final List<String> CONGESTION = List.of("open", "disorder", "cwr", "recovery", "loss");

    public static String stateName(int state) {
        return state >= 0 && state < STATES.size() ? STATES.get(state) : "state " + state;
    }

    /** The state number of a name stateName gave. */
    public static int stateCode(String name) {
        int code = STATES.indexOf(name);
        return code >= 0 ? code : Integer.parseInt(name.substring("state ".length()));
    }

    /** The congestion state number of a name congestionName gave. */
    public static int congestionCode(String name) {
        int code = CONGESTION.indexOf(name);
        return code >= 0 ? code : Integer.parseInt(name.substring("ca ".length()));
    }

    public String congestionName() {
        return congestionState < CONGESTION.size() ? CONGESTION.get(congestionState) : "ca " + congestionState;
    }

    /** True for inet_sock_set_state events, which carry the state left. */
    public boolean changed() {
        return oldState != 0;
    }
}
