package nettrace.probe;

import static nettrace.bpf.ConfigLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import nettrace.bpf.EventSizes;
import nettrace.config.Config;
import nettrace.config.IpAddress;
import nettrace.config.PacketFilter;

/**
 * struct nt_config (bpf/nettrace.h, offsets in bpf.ConfigLayout), the only variable of the
 * object's .rodata: written before load, so the verifier sees the filter as constants and drops
 * the checks not asked for.
 */
public final class ConfigEncoding {
    private ConfigEncoding() {
    }


    /** @param cpus possible CPUs: the rate limit is a token bucket per CPU */
    public static byte[] encode(Config config, int cpus) {
        PacketFilter filter = config.filter();
        ByteBuffer bytes = ByteBuffer.allocate(EventSizes.NT_CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
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
        bytes.put(MODE, (byte) config.mode().bpfMode());
        bytes.put(DETAIL, (byte) (config.output().detail() ? 1 : 0));
        Config.ModeOptions modes = config.modes();
        bytes.put(RTT_EVENTS, (byte) (modes.rttDetail() ? 1 : 0));
        bytes.putInt(RATE_LIMIT, (int) Math.min(Integer.MAX_VALUE, (modes.rateLimit() + cpus - 1) / Math.max(1, cpus)));
        bytes.putInt(MIN_SRTT_US, (int) Math.min(Integer.MAX_VALUE, modes.minSrttMicros()));
        bytes.putInt(MIN_RTT_US, (int) Math.min(Integer.MAX_VALUE, modes.minRttMicros()));
        bytes.putShort(SNAPLEN, (short) config.output().snaplen());
        return bytes.array();
    }

    private static void putAddress(ByteBuffer bytes, int at, int lengthAt, IpAddress address) {
        bytes.put(at, address.bytes());
        bytes.put(lengthAt, (byte) address.bytes().length);
    }
}
