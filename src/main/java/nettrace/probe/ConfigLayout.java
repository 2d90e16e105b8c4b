package nettrace.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import nettrace.config.Config;
import nettrace.config.IpAddress;
import nettrace.config.PacketFilter;

/**
 * struct nt_config (bpf/nettrace.h), the only variable of the object's .rodata: written
 * before load, so the verifier sees the filter as constants and drops the checks not asked for.
 * ConfigLayoutTest checks these offsets against the object's BTF.
 */
public final class ConfigLayout {
    private ConfigLayout() {
    }

    public static final int SIZE = 92;
    public static final int SADDR = 0;
    public static final int DADDR = 16;
    public static final int ADDR = 32;
    public static final int SADDR_LEN = 48;
    public static final int DADDR_LEN = 49;
    public static final int ADDR_LEN = 50;
    public static final int L4_PROTO = 51;
    public static final int L3_PROTO = 52;
    public static final int SPORT = 54;
    public static final int DPORT = 56;
    public static final int PORT = 58;
    public static final int PKT_LEN_MIN = 60;
    public static final int PKT_LEN_MAX = 62;
    public static final int NETNS = 64;
    public static final int PID = 68;
    public static final int TCP_FLAGS = 72;
    public static final int MODE = 73;
    public static final int DETAIL = 74;
    public static final int RTT_EVENTS = 75;
    public static final int RATE_LIMIT = 76;
    public static final int MIN_SRTT_US = 80;
    public static final int MIN_RTT_US = 84;
    /** two u16: --filter's instructions for Ethernet frames, then for raw IP packets */
    public static final int EXPRESSION_LENGTH = 88;

    /** enum mode */
    static final int MODE_BASIC = 0;
    static final int MODE_LIFECYCLE = 1;
    static final int MODE_STATS = 2;
    static final int MODE_RTT = 3;

    /** @param cpus possible CPUs: the rate limit is a token bucket per CPU */
    public static byte[] encode(Config config, int cpus) {
        PacketFilter filter = config.filter();
        ByteBuffer bytes = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        filter.source().ifPresent(a -> putAddress(bytes, SADDR, SADDR_LEN, a));
        filter.destination().ifPresent(a -> putAddress(bytes, DADDR, DADDR_LEN, a));
        filter.either().ifPresent(a -> putAddress(bytes, ADDR, ADDR_LEN, a));
        bytes.put(L4_PROTO, (byte) filter.ipProtocol());
        bytes.putShort(L3_PROTO, (short) filter.etherType());
        bytes.putShort(SPORT, (short) filter.sourcePort());
        bytes.putShort(DPORT, (short) filter.destinationPort());
        bytes.putShort(PORT, (short) filter.eitherPort());
        bytes.putShort(PKT_LEN_MIN, (short) filter.minLength());
        bytes.putShort(PKT_LEN_MAX, (short) filter.maxLength());
        bytes.putInt(NETNS, (int) filter.netns());
        bytes.putInt(PID, filter.pid());
        bytes.put(TCP_FLAGS, (byte) filter.tcpFlags());
        filter.expression().ifPresent(expression -> {
            bytes.putShort(EXPRESSION_LENGTH, (short) expression.ethernetInstructions());
            bytes.putShort(EXPRESSION_LENGTH + 2, (short) expression.rawIpInstructions());
        });
        bytes.put(MODE, (byte) switch (config.mode()) {
            case LIFECYCLE, DIAG, LATENCY -> MODE_LIFECYCLE;
            case FUNC_STATS -> MODE_STATS;
            case RTT -> MODE_RTT;
            case BASIC, DROP, SOCK -> MODE_BASIC;
        });
        bytes.put(DETAIL, (byte) (config.output().detail() ? 1 : 0));
        Config.ModeOptions modes = config.modes();
        bytes.put(RTT_EVENTS, (byte) (modes.rttDetail() ? 1 : 0));
        bytes.putInt(RATE_LIMIT, (int) Math.min(Integer.MAX_VALUE, (modes.rateLimit() + cpus - 1) / Math.max(1, cpus)));
        bytes.putInt(MIN_SRTT_US, (int) Math.min(Integer.MAX_VALUE, modes.minSrttMicros()));
        bytes.putInt(MIN_RTT_US, (int) Math.min(Integer.MAX_VALUE, modes.minRttMicros()));
        return bytes.array();
    }

    private static void putAddress(ByteBuffer bytes, int at, int lengthAt, IpAddress address) {
        bytes.put(at, address.bytes());
        bytes.put(lengthAt, (byte) address.bytes().length);
    }
}
