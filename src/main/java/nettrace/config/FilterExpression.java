package nettrace.config;

import java.util.Optional;

/**
 * --filter: a tcpdump expression and the classic BPF programs libpcap compiled from it, one for
 * frames that start with an Ethernet header and one for packets that start at the IP header.
 * The raw-IP program is absent when the expression needs the link layer (ether, vlan, arp...):
 * the expression is then false on skbs without an Ethernet header.
 *
 * @param ethernet struct bpf_insn array, 8 bytes per instruction, host byte order
 */
public record FilterExpression(String text, byte[] ethernet, Optional<byte[]> rawIp) {
    /** Instructions the BPF side has room for. */
    public static final int MAX_INSTRUCTIONS = nettrace.bpf.Sizes.FILTER_MAX_INSNS;
    public static final int INSTRUCTION_BYTES = 8;

    public FilterExpression {
        ethernet = ethernet.clone();
        rawIp = rawIp.map(byte[]::clone);
    }

    public int ethernetInstructions() {
        return ethernet.length / INSTRUCTION_BYTES;
    }

    public int rawIpInstructions() {
        return rawIp.map(program -> program.length / INSTRUCTION_BYTES).orElse(0);
    }

    public boolean needsLinkLayer() {
        return rawIp.isEmpty();
    }

    @Override
    public byte[] ethernet() {
        return ethernet.clone();
    }

    @Override
    public Optional<byte[]> rawIp() {
        return rawIp.map(byte[]::clone);
    }
}
