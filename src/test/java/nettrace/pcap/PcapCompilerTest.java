package nettrace.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import nettrace.NettraceException;
import org.junit.jupiter.api.Test;

class PcapCompilerTest {
    /** The instructions as tcpdump -d prints them: code, jt, jf, k. */
    private static List<String> instructions(byte[] program) {
        ByteBuffer bytes = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        List<String> lines = new ArrayList<>();
        while (bytes.hasRemaining()) {
            lines.add(String.format("0x%02x %d %d 0x%x", bytes.getShort() & 0xffff, bytes.get() & 0xff,
                    bytes.get() & 0xff, bytes.getInt()));
        }
        return lines;
    }

    @Test
    void compilesForEthernetFramesAsTcpdumpDoes() {
        // tcpdump -y EN10MB -dd ip
        assertThat(instructions(PcapCompiler.compile("ip", PcapCompiler.LinkType.ETHERNET)))
                .containsExactly("0x28 0 0 0xc", "0x15 0 1 0x800", "0x06 0 0 0x40000", "0x06 0 0 0x0");
    }

    @Test
    void compilesForRawIpPacketsFromTheVersionNibble() {
        // tcpdump -y RAW -dd ip: the first byte's high nibble is 4
        assertThat(instructions(PcapCompiler.compile("ip", PcapCompiler.LinkType.RAW_IP)))
                .containsExactly("0x30 0 0 0x0", "0x54 0 0 0xf0", "0x15 0 1 0x40", "0x06 0 0 0x40000",
                        "0x06 0 0 0x0");
    }

    @Test
    void aBadExpressionIsRefusedWithLibpcapsOwnMessage() {
        assertThatThrownBy(() -> PcapCompiler.compile("tcp port", PcapCompiler.LinkType.ETHERNET))
                .isInstanceOf(PcapException.class)
                .hasMessage("can't parse filter expression: syntax error")
                .extracting(e -> ((NettraceException) e).exitCode()).isEqualTo(NettraceException.BAD_INPUT);
        assertThatThrownBy(() -> PcapCompiler.compile("port 99999", PcapCompiler.LinkType.ETHERNET))
                .hasMessage("illegal port number 99999 > 65535");
    }

    @Test
    void linkLayerExpressionsHaveNoRawIpProgram() {
        assertThat(PcapCompiler.compile("ether host 02:00:00:00:00:01", PcapCompiler.LinkType.ETHERNET)).isNotEmpty();
        assertThatThrownBy(() -> PcapCompiler.compile("ether host 02:00:00:00:00:01", PcapCompiler.LinkType.RAW_IP))
                .isInstanceOf(PcapException.class);
    }
}
