package nettrace.event;

import java.util.function.Function;

/**
 * A packet's rendering (text, encoded JSON), made again only when the packet differs from the
 * last one asked for: a life's hits, and a flow's packets, mostly repeat it.
 */
public final class LastPacketRendering<T> {
    private final Function<Packet, T> render;
    private Packet packet;
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
