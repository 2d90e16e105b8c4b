package nettrace.pcap;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import nettrace.NettraceException;

/**
 * The FFM binding to libpcap, nettrace's second native boundary (libbpf/ is the first): tcpdump
 * expressions compiled by libpcap itself into classic BPF, on a handle that captures nothing
 * (pcap_open_dead). Above this class the program is plain bytes.
 */
public final class PcapCompiler {
    /** The link-layer types nettrace compiles for (pcap/dlt.h). */
    public enum LinkType {
        /** frames that start with an Ethernet header */
        ETHERNET(1),
        /** packets that start at the IP header (DLT_RAW, 12 on Linux) */
        RAW_IP(12);

        private final int dataLinkType;

        LinkType(int dataLinkType) {
            this.dataLinkType = dataLinkType;
        }
    }

    /** libpcap's own snapshot length default: loads anywhere in a packet compile. */
    private static final int SNAPSHOT_LENGTH = 262144;
    /** PCAP_NETMASK_UNKNOWN: "ip broadcast" then fails with libpcap's message, as in tcpdump -i any. */
    private static final int NETMASK_UNKNOWN = 0xffffffff;
    /** Each struct bpf_insn is 8 bytes: u16 code, u8 jt, u8 jf, u32 k. */
    public static final int INSTRUCTION_BYTES = 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final AddressLayout POINTER = ValueLayout.ADDRESS;

    /** struct bpf_program */
    private static final StructLayout PROGRAM = MemoryLayout.structLayout(
            INT.withName("bf_len"), MemoryLayout.paddingLayout(4), POINTER.withName("bf_insns"));

    private static volatile Handles handles;

    private PcapCompiler() {
    }

    private record Handles(MethodHandle openDead, MethodHandle compile, MethodHandle error, MethodHandle freeCode,
            MethodHandle close) {
    }

    /**
     * The classic BPF program of expression for frames of linkType, as libpcap's optimizer leaves
     * it; throws {@link PcapException} with libpcap's message when libpcap refuses the expression.
     */
    public static byte[] compile(String expression, LinkType linkType) {
        Handles pcap = handles();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) pcap.openDead().invokeExact(linkType.dataLinkType, SNAPSHOT_LENGTH);
            if (handle.equals(MemorySegment.NULL)) {
                throw new NettraceException("libpcap cannot open a handle for link type " + linkType);
            }
            try {
                MemorySegment program = arena.allocate(PROGRAM);
                MemorySegment text = arena.allocateFrom(expression, StandardCharsets.UTF_8);
                int result = (int) pcap.compile().invokeExact(handle, program, text, 1, NETMASK_UNKNOWN);
                if (result != 0) {
                    MemorySegment message = (MemorySegment) pcap.error().invokeExact(handle);
                    throw new PcapException(message.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8));
                }
                try {
                    int count = program.get(INT, 0);
                    MemorySegment instructions = program.get(POINTER, PROGRAM.byteOffset(
                            MemoryLayout.PathElement.groupElement("bf_insns")));
                    return instructions.reinterpret((long) count * INSTRUCTION_BYTES).toArray(ValueLayout.JAVA_BYTE);
                } finally {
                    pcap.freeCode().invokeExact(program);
                }
            } finally {
                pcap.close().invokeExact(handle);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("libpcap call failed", e);
        }
    }

    private static Handles handles() {
        Handles loaded = handles;
        if (loaded == null) {
            synchronized (PcapCompiler.class) {
                if (handles == null) {
                    handles = load();
                }
                loaded = handles;
            }
        }
        return loaded;
    }

    private static Handles load() {
        SymbolLookup library;
        try {
            library = SymbolLookup.libraryLookup("libpcap.so.0.8", Arena.global());
        } catch (IllegalArgumentException e) {
            throw new NettraceException(
                    "--filter needs libpcap, and libpcap.so.0.8 is not found (Debian: apt-get install libpcap0.8)");
        }
        return new Handles(
                handle(library, "pcap_open_dead", FunctionDescriptor.of(POINTER, INT, INT)),
                handle(library, "pcap_compile", FunctionDescriptor.of(INT, POINTER, POINTER, POINTER, INT, INT)),
                handle(library, "pcap_geterr", FunctionDescriptor.of(POINTER, POINTER)),
                handle(library, "pcap_freecode", FunctionDescriptor.ofVoid(POINTER)),
                handle(library, "pcap_close", FunctionDescriptor.ofVoid(POINTER)));
    }

    private static MethodHandle handle(SymbolLookup library, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = library.find(name)
                .orElseThrow(() -> new NettraceException("the installed libpcap lacks " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }
}
