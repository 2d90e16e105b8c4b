package nettrace.libbpf;

import static nettrace.libbpf.Native.BOOL;
import static nettrace.libbpf.Native.INT;
import static nettrace.libbpf.Native.LONG;
import static nettrace.libbpf.Native.PTR;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The libbpf and libc entry points nettrace calls, and the option structs it passes, laid out
 * as libbpf 1.1 declares them (newer libbpf accepts them: every struct starts with its size).
 */
final class Libbpf {
    private Libbpf() {
    }

    static final MethodHandle OBJECT_OPEN_MEM = Native.libbpfWithErrno("bpf_object__open_mem",
            FunctionDescriptor.of(PTR, PTR, LONG, PTR));
    static final MethodHandle OBJECT_LOAD = Native.libbpf("bpf_object__load", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle OBJECT_CLOSE = Native.libbpf("bpf_object__close", FunctionDescriptor.ofVoid(PTR));
    static final MethodHandle OBJECT_NEXT_PROGRAM = Native.libbpf("bpf_object__next_program",
            FunctionDescriptor.of(PTR, PTR, PTR));
    static final MethodHandle OBJECT_BTF_FD = Native.libbpf("bpf_object__btf_fd", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle OBJECT_NEXT_MAP = Native.libbpf("bpf_object__next_map",
            FunctionDescriptor.of(PTR, PTR, PTR));

    static final MethodHandle PROGRAM_NAME = Native.libbpf("bpf_program__name", FunctionDescriptor.of(PTR, PTR));
    static final MethodHandle PROGRAM_SET_AUTOLOAD = Native.libbpf("bpf_program__set_autoload",
            FunctionDescriptor.of(INT, PTR, BOOL));
    static final MethodHandle PROGRAM_SET_ATTACH_TARGET = Native.libbpf("bpf_program__set_attach_target",
            FunctionDescriptor.of(INT, PTR, INT, PTR));
    static final MethodHandle PROGRAM_FD = Native.libbpf("bpf_program__fd", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle PROGRAM_TYPE = Native.libbpf("bpf_program__type", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle PROGRAM_EXPECTED_ATTACH_TYPE = Native.libbpf(
            "bpf_program__expected_attach_type", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle PROGRAM_INSNS = Native.libbpf("bpf_program__insns", FunctionDescriptor.of(PTR, PTR));
    static final MethodHandle PROGRAM_SET_INSNS = Native.libbpf("bpf_program__set_insns",
            FunctionDescriptor.of(INT, PTR, PTR, Native.LONG));
    static final MethodHandle PROGRAM_INSN_COUNT = Native.libbpf("bpf_program__insn_cnt",
            FunctionDescriptor.of(LONG, PTR));
    static final MethodHandle PROGRAM_ATTACH_KPROBE = Native.libbpfWithErrno("bpf_program__attach_kprobe_opts",
            FunctionDescriptor.of(PTR, PTR, PTR, PTR));
    static final MethodHandle PROGRAM_ATTACH_KPROBE_MULTI = Native.libbpfWithErrno(
            "bpf_program__attach_kprobe_multi_opts", FunctionDescriptor.of(PTR, PTR, PTR, PTR));

    static final MethodHandle PROGRAM_ATTACH = Native.libbpfWithErrno("bpf_program__attach",
            FunctionDescriptor.of(PTR, PTR));

    static final MethodHandle LINK_DESTROY = Native.libbpf("bpf_link__destroy", FunctionDescriptor.of(INT, PTR));

    static final MethodHandle MAP_NAME = Native.libbpf("bpf_map__name", FunctionDescriptor.of(PTR, PTR));
    static final MethodHandle MAP_FD = Native.libbpf("bpf_map__fd", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle MAP_TYPE = Native.libbpf("bpf_map__type", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle MAP_KEY_SIZE = Native.libbpf("bpf_map__key_size", FunctionDescriptor.of(INT, PTR));
    static final MethodHandle MAP_VALUE_SIZE = Native.libbpf("bpf_map__value_size",
            FunctionDescriptor.of(INT, PTR));
    static final MethodHandle MAP_MAX_ENTRIES = Native.libbpf("bpf_map__max_entries",
            FunctionDescriptor.of(INT, PTR));
    static final MethodHandle MAP_SET_MAX_ENTRIES = Native.libbpf("bpf_map__set_max_entries",
            FunctionDescriptor.of(INT, PTR, INT));
    static final MethodHandle MAP_INITIAL_VALUE = Native.libbpf("bpf_map__initial_value",
            FunctionDescriptor.of(PTR, PTR, PTR));
    static final MethodHandle MAP_REUSE_FD = Native.libbpf("bpf_map__reuse_fd", FunctionDescriptor.of(INT, PTR, INT));
    static final MethodHandle MAP_SET_INITIAL_VALUE = Native.libbpf("bpf_map__set_initial_value",
            FunctionDescriptor.of(INT, PTR, PTR, LONG));

    static final MethodHandle MAP_LOOKUP_ELEM = Native.libbpf("bpf_map_lookup_elem",
            FunctionDescriptor.of(INT, INT, PTR, PTR));
    static final MethodHandle MAP_UPDATE_ELEM = Native.libbpf("bpf_map_update_elem",
            FunctionDescriptor.of(INT, INT, PTR, PTR, LONG));
    static final MethodHandle MAP_DELETE_ELEM = Native.libbpf("bpf_map_delete_elem",
            FunctionDescriptor.of(INT, INT, PTR));
    static final MethodHandle MAP_LOOKUP_BATCH = Native.libbpf("bpf_map_lookup_batch",
            FunctionDescriptor.of(INT, INT, PTR, PTR, PTR, PTR, PTR, PTR));
    static final MethodHandle MAP_GET_NEXT_KEY = Native.libbpf("bpf_map_get_next_key",
            FunctionDescriptor.of(INT, INT, PTR, PTR));

    static final MethodHandle PROG_LOAD = Native.libbpf("bpf_prog_load",
            FunctionDescriptor.of(INT, INT, PTR, PTR, PTR, LONG, PTR));
    static final MethodHandle RAW_TRACEPOINT_OPEN = Native.libbpf("bpf_raw_tracepoint_open",
            FunctionDescriptor.of(INT, PTR, INT));
    static final MethodHandle BTF_GET_NEXT_ID = Native.libbpf("bpf_btf_get_next_id",
            FunctionDescriptor.of(INT, INT, PTR));
    static final MethodHandle BTF_GET_FD_BY_ID = Native.libbpf("bpf_btf_get_fd_by_id",
            FunctionDescriptor.of(INT, INT));
    static final MethodHandle OBJ_GET_INFO_BY_FD = Native.libbpf("bpf_obj_get_info_by_fd",
            FunctionDescriptor.of(INT, INT, PTR, PTR));
    static final MethodHandle NUM_POSSIBLE_CPUS = Native.libbpf("libbpf_num_possible_cpus",
            FunctionDescriptor.of(INT));
    static final MethodHandle SET_PRINT = Native.libbpf("libbpf_set_print", FunctionDescriptor.of(PTR, PTR));

    static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(INT, INT));
    static final MethodHandle VSNPRINTF = Native.libc("vsnprintf", FunctionDescriptor.of(INT, PTR, LONG, PTR, PTR));
    static final MethodHandle MMAP = Native.libcWithErrno("mmap",
            FunctionDescriptor.of(PTR, PTR, LONG, INT, INT, INT, LONG));
    static final MethodHandle MUNMAP = Native.libc("munmap", FunctionDescriptor.of(INT, PTR, LONG));
    static final MethodHandle GETPAGESIZE = Native.libc("getpagesize", FunctionDescriptor.of(INT));
    static final MethodHandle EPOLL_CREATE1 = Native.libcWithErrno("epoll_create1", FunctionDescriptor.of(INT, INT));
    static final MethodHandle EPOLL_CTL = Native.libcWithErrno("epoll_ctl",
            FunctionDescriptor.of(INT, INT, INT, INT, PTR));
    static final MethodHandle EPOLL_WAIT = Native.libcWithErrno("epoll_wait",
            FunctionDescriptor.of(INT, INT, PTR, INT, INT));
    static final MethodHandle EVENTFD = Native.libcWithErrno("eventfd", FunctionDescriptor.of(INT, INT, INT));
    static final MethodHandle READ = Native.libc("read", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    static final MethodHandle WRITE = Native.libc("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));

    /** struct bpf_object_open_opts (libbpf 1.1). */
    static final StructLayout OBJECT_OPEN_OPTS = MemoryLayout.structLayout(
            LONG.withName("sz"),
            PTR.withName("object_name"),
            BOOL.withName("relaxed_maps"),
            MemoryLayout.paddingLayout(7),
            PTR.withName("pin_root_path"),
            MemoryLayout.paddingLayout(8),
            PTR.withName("kconfig"),
            PTR.withName("btf_custom_path"),
            PTR.withName("kernel_log_buf"),
            LONG.withName("kernel_log_size"),
            INT.withName("kernel_log_level"),
            MemoryLayout.paddingLayout(4));

    /** struct bpf_prog_load_opts (libbpf 1.1). */
    static final StructLayout PROG_LOAD_OPTS = MemoryLayout.structLayout(
            LONG.withName("sz"),
            INT.withName("attempts"),
            INT.withName("expected_attach_type"),
            INT.withName("prog_btf_fd"),
            INT.withName("prog_flags"),
            INT.withName("prog_ifindex"),
            INT.withName("kern_version"),
            INT.withName("attach_btf_id"),
            INT.withName("attach_prog_fd"),
            INT.withName("attach_btf_obj_fd"),
            MemoryLayout.paddingLayout(4),
            PTR.withName("fd_array"),
            PTR.withName("func_info"),
            INT.withName("func_info_cnt"),
            INT.withName("func_info_rec_size"),
            PTR.withName("line_info"),
            INT.withName("line_info_cnt"),
            INT.withName("line_info_rec_size"),
            INT.withName("log_level"),
            INT.withName("log_size"),
            PTR.withName("log_buf"));

    /** struct bpf_kprobe_opts (libbpf 1.1). */
    static final StructLayout KPROBE_OPTS = MemoryLayout.structLayout(
            LONG.withName("sz"),
            LONG.withName("bpf_cookie"),
            LONG.withName("offset"),
            BOOL.withName("retprobe"),
            MemoryLayout.paddingLayout(7));

    /** struct bpf_kprobe_multi_opts (libbpf 1.1). */
    static final StructLayout KPROBE_MULTI_OPTS = MemoryLayout.structLayout(
            LONG.withName("sz"),
            PTR.withName("syms"),
            PTR.withName("addrs"),
            PTR.withName("cookies"),
            LONG.withName("cnt"),
            BOOL.withName("retprobe"),
            MemoryLayout.paddingLayout(7));

    /** struct bpf_prog_info (uapi), up to the fields read: the program's BTF functions. */
    static final StructLayout PROG_INFO = MemoryLayout.structLayout(
            MemoryLayout.paddingLayout(128),
            INT.withName("btf_id"),
            INT.withName("func_info_rec_size"),
            LONG.withName("func_info"),
            INT.withName("nr_func_info"),
            INT.withName("nr_line_info"));

    /** struct bpf_btf_info (uapi), only the fields read. */
    static final StructLayout BTF_INFO = MemoryLayout.structLayout(
            LONG.withName("btf"),
            INT.withName("btf_size"),
            INT.withName("id"),
            LONG.withName("name"),
            INT.withName("name_len"),
            INT.withName("kernel_btf"));

    static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
