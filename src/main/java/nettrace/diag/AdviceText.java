package nettrace.diag;

import nettrace.event.Packet;
import nettrace.event.PacketFormat;
import nettrace.event.SkbEvent;

/**
 * Advice with what the event knows filled in (drop-reasons.yaml): the device for
 * {@code <interface>} (an unknown one is left out of a command: {@code iif <interface>},
 * {@code dev <interface>}), the destination port for {@code <dport>} (an unknown one leaves out
 * the {@code ss} filter naming it), the packet's addresses for {@code <source>} and
 * {@code <destination>}, and for {@code {in-netns}} the prefix that runs a command in the
 * packet's network namespace.
 */
final class AdviceText {
    private AdviceText() {
    }

    static String fill(String advice, SkbEvent event) {
        Packet packet = event.userPacket();
        String filled = advice.replace("{in-netns}", event.netns().commandPrefix());
        filled = event.interfaceName().isEmpty() ? filled.replace(" iif <interface>", "").replace(" dev <interface>", "")
                .replace("ip link show <interface>", "ip link show")
                : filled.replace("<interface>", event.interfaceName());
        filled = packet.hasPorts() ? filled.replace("<dport>", Integer.toString(packet.destinationPort()))
                : filled.replace(" 'sport = :<dport>'", "");
        if (packet.isIpv4() || packet.isIpv6()) {
            filled = filled.replace("<source>", PacketFormat.address(packet, true))
                    .replace("<destination>", PacketFormat.address(packet, false));
        }
        return filled;
    }
}
