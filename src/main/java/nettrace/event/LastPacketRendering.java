package nettrace.event;

import java.util.function.Function;

/**
 * A packet's rendering (text, encoded JSON), made again only when the packet differs from the
 * last one asked for: a life's hits, and a flow's packets, mostly repeat it.
 */
public final class LastPacketRendering<T> {
    /**
     * Equal to no decoded packet (a layer 3 protocol is 16 bits): there is always a last packet.
     * With none (null), a run's first packet passed null to equals, which the consumer's warm-up
     * had done only before the JIT profiled it: compiled for non-null, the printer was thrown away.
     */
    private static final Packet NONE = new Packet(-1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private final Function<Packet, T> render;
    private Packet packet = NONE;
    private T rendering;

    public LastPacketRendering(Function<Packet, T> render) {
        this.render = render;
    }

    public T of(Packet next) {
        if (next != packet && !next.equals(packet)) {
            rendering = render.apply(next);
            packet = next;
        }
        return rendering;
    }
}
