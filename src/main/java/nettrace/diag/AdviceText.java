package nettrace.diag;

import nettrace.event.Packet;
import nettrace.event.PacketFormat;
import nettrace.event.SkbEvent;
import nettrace.kernel.NetworkNamespaces;

/**
 * Advice with what the event knows filled in (drop-reasons.yaml): the device for
 * {@code <interface>}, the packet's addresses for {@code <source>} and {@code <destination>}, and
 * for {@code {in-netns}} the prefix that runs a command in the packet's network namespace.
 */
final class AdviceText {
    private AdviceText() {
    }

    static String fill(String advice, SkbEvent event, NetworkNamespaces.Namespace namespace) {
        Packet packet = event.userPacket();
        String filled = advice.replace("{in-netns}", namespace.commandPrefix());
        if (!event.interfaceName().isEmpty()) {
            filled = filled.replace("<interface>", event.interfaceName());
        }
        if (packet.isIpv4() || packet.isIpv6()) {
            filled = filled.replace("<source>", PacketFormat.address(packet, true))
                    .replace("<destination>", PacketFormat.address(packet, false));
        }
        return filled;
    }
}
