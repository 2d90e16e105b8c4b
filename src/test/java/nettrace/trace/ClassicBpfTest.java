package nettrace.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import nettrace.pcap.PcapCompiler;
import nettrace.testing.RawFrames;
import org.junit.jupiter.api.Test;

/** A replay's --filter runs libpcap's programs over captured bytes as tcpdump would. */
class ClassicBpfTest {
    private static final byte[] SOURCE_MAC = RawFrames.mac("02:00:00:00:00:01");

    private static byte[] frame(RawFrames frames) {
        return frames.frames().getLast().bytes();
    }

    private static boolean ethernet(String expression, byte[] frame) {
        return ClassicBpf.accepts(PcapCompiler.compile(expression, PcapCompiler.LinkType.ETHERNET), frame,
                frame.length);
    }

    @Test
    void portsProtocolsNetsAndFlagsAreJudgedAsLibpcapMeant() {
        RawFrames frames = new RawFrames(RawFrames.mac("02:00:00:00:00:02"));
        byte[] udp = frame(frames.ipv4(60, "10.1.1.1", "10.2.2.2", 17, RawFrames.udp(4000, 7900), 0, 0, SOURCE_MAC));
        byte[] syn = frame(frames.ipv4(64, "172.16.1.1", "192.168.1.9", 6, RawFrames.tcp(4001, 80, 0x02), 0, 0,
                SOURCE_MAC));
        assertThat(ethernet("udp dst port 7900", udp)).as("udp 7900").isTrue();
        assertThat(ethernet("udp dst port 7901", udp)).isFalse();
        assertThat(ethernet("tcp[tcpflags] & tcp-syn != 0 and not net 10.0.0.0/8", syn)).as("syn").isTrue();
        assertThat(ethernet("tcp[tcpflags] & tcp-syn != 0 and not net 10.0.0.0/8", udp)).isFalse();
        assertThat(ethernet("ether src 02:00:00:00:00:01 and less 80", syn)).as("ether").isTrue();
        assertThat(ethernet("greater 100", syn)).isFalse();
    }

    @Test
    void aPacketCutShortOfWhatTheProgramReadsIsNotAccepted() {
        RawFrames frames = new RawFrames(RawFrames.mac("02:00:00:00:00:02"));
        byte[] udp = frame(frames.ipv4(60, "10.1.1.1", "10.2.2.2", 17, RawFrames.udp(4000, 7900), 0, 0, SOURCE_MAC));
        byte[] cut = Arrays.copyOf(udp, 20);
        assertThat(ClassicBpf.accepts(PcapCompiler.compile("udp dst port 7900", PcapCompiler.LinkType.ETHERNET), cut,
                udp.length)).isFalse();
    }

    @Test
    void rawIpPacketsHaveTheirOwnProgram() {
        RawFrames frames = new RawFrames(RawFrames.mac("02:00:00:00:00:02"));
        byte[] udp = frame(frames.ipv4(60, "10.1.1.1", "10.2.2.2", 17, RawFrames.udp(4000, 7900), 0, 0, SOURCE_MAC));
        byte[] ip = Arrays.copyOfRange(udp, 14, udp.length);
        assertThat(ClassicBpf.accepts(PcapCompiler.compile("udp and dst host 10.2.2.2", PcapCompiler.LinkType.RAW_IP),
                ip, ip.length)).isTrue();
    }
}
