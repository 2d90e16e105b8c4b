package nettrace.bpf;

/** struct nt_capture: byte offsets of a packet's captured first bytes (--output pcapng). */
@MirrorsBpf("nt_capture")
public final class CaptureLayout {
    public static final int LENGTH = 0;
    public static final int LINK = 2;
    public static final int PACKET_LENGTH = 4;
    public static final int DATA = 8;

    private CaptureLayout() {
    }
}
