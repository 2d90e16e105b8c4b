package nettrace.trace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A replay's --filter: the classic BPF program libpcap compiled, run over an event's captured
 * bytes the way the kernel's interpreter (bpf/expression.h) runs it over the live packet. Jumps
 * only go forward, so a program ends within its length.
 */
final class ClassicBpf {
    private static final int INSTRUCTION_BYTES = 8;

    private ClassicBpf() {
    }

    /** True when the program accepts the packet (returns non-zero); packetLength is tcpdump's "len". */
    static boolean accepts(byte[] program, byte[] packet, int packetLength) {
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        ByteBuffer data = ByteBuffer.wrap(packet).order(ByteOrder.BIG_ENDIAN);
        int[] memory = new int[16];
        int a = 0;
        int x = 0;
        int instructions = program.length / INSTRUCTION_BYTES;
        for (int pc = 0; pc < instructions; pc++) {
            int at = pc * INSTRUCTION_BYTES;
            int op = Short.toUnsignedInt(code.getShort(at));
            int jt = Byte.toUnsignedInt(code.get(at + 2));
            int jf = Byte.toUnsignedInt(code.get(at + 3));
            int k = code.getInt(at + 4);
            switch (op & 0x07) {
                case 0x00, 0x01 -> { // LD, LDX
                    int value;
                    int mode = op & 0xe0;
                    int size = op & 0x18;
                    if (mode == 0x00) {
                        value = k; // IMM
                    } else if (mode == 0x80) {
                        value = packetLength; // LEN
                    } else if (mode == 0x60) {
                        value = memory[k & 0xf]; // MEM
                    } else if (mode == 0xa0) {
                        Integer b = load(data, k, 0x10); // MSH: 4 * (byte & 0xf)
                        if (b == null) {
                            return false;
                        }
                        value = (b & 0xf) << 2;
                    } else {
                        Integer loaded = load(data, mode == 0x40 ? x + k : k, size); // IND or ABS
                        if (loaded == null) {
                            return false;
                        }
                        value = loaded;
                    }
                    if ((op & 0x07) == 0x00) {
                        a = value;
                    } else {
                        x = value;
                    }
                }
                case 0x02 -> memory[k & 0xf] = a; // ST
                case 0x03 -> memory[k & 0xf] = x; // STX
                case 0x04 -> { // ALU
                    int operand = (op & 0x08) != 0 ? x : k;
                    a = switch (op & 0xf0) {
                        case 0x00 -> a + operand;
                        case 0x10 -> a - operand;
                        case 0x20 -> a * operand;
                        case 0x30 -> operand == 0 ? 0 : Integer.divideUnsigned(a, operand);
                        case 0x40 -> a | operand;
                        case 0x50 -> a & operand;
                        case 0x60 -> a << (operand & 31);
                        case 0x70 -> a >>> (operand & 31);
                        case 0x80 -> -a;
                        case 0x90 -> operand == 0 ? 0 : Integer.remainderUnsigned(a, operand);
                        case 0xa0 -> a ^ operand;
                        default -> a;
                    };
                }
                case 0x05 -> { // JMP
                    int operand = (op & 0x08) != 0 ? x : k;
                    boolean taken = switch (op & 0xf0) {
                        case 0x00 -> true; // JA: k is the offset
                        case 0x10 -> a == operand;
                        case 0x20 -> Integer.compareUnsigned(a, operand) > 0;
                        case 0x30 -> Integer.compareUnsigned(a, operand) >= 0;
                        case 0x40 -> (a & operand) != 0;
                        default -> false;
                    };
                    pc += (op & 0xf0) == 0x00 ? k : taken ? jt : jf;
                }
                case 0x06 -> { // RET
                    return ((op & 0x18) == 0x10 ? a : k) != 0;
                }
                default -> { // MISC
                    if ((op & 0xf8) == 0x80) {
                        a = x; // TXA
                    } else {
                        x = a; // TAX
                    }
                }
            }
        }
        return false;
    }

    /** A big-endian word, half-word or byte at offset, or null past the captured bytes. */
    private static Integer load(ByteBuffer data, int offset, int size) {
        int bytes = size == 0x00 ? 4 : size == 0x08 ? 2 : 1;
        if (offset < 0 || offset + bytes > data.limit()) {
            return null;
        }
        return switch (bytes) {
            case 4 -> data.getInt(offset);
            case 2 -> Short.toUnsignedInt(data.getShort(offset));
            default -> Byte.toUnsignedInt(data.get(offset));
        };
    }
}
