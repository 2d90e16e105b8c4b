package nettrace.bpf;

/** struct nt_record: what the ring buffer gets, an event and maybe the packet's first bytes after it. */
@MirrorsBpf("nt_record")
public final class RecordLayout {
    public static final int EVENT = 0;
    public static final int CAPTURE = 384;

    private RecordLayout() {
    }
}
