package nettrace.libbpf;

import java.util.Map;

/** errno numbers that bpf() and libbpf return, named so messages read like the man pages. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;
    public static final int ENOTSUPP = 524;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM, operation not permitted"),
            Map.entry(ENOENT, "ENOENT, no such file or object"),
            Map.entry(ESRCH, "ESRCH, no such process or object"),
            Map.entry(E2BIG, "E2BIG, argument or program too large"),
            Map.entry(EBADF, "EBADF, bad file descriptor"),
            Map.entry(ENOMEM, "ENOMEM, out of memory (check the memlock limit)"),
            Map.entry(EACCES, "EACCES, permission denied (the verifier refused the program)"),
            Map.entry(EFAULT, "EFAULT, bad address"),
            Map.entry(EBUSY, "EBUSY, resource busy"),
            Map.entry(EEXIST, "EEXIST, already exists"),
            Map.entry(ENODEV, "ENODEV, no such device"),
            Map.entry(EINVAL, "EINVAL, invalid argument"),
            Map.entry(ENOSPC, "ENOSPC, no space left"),
            Map.entry(ENOSYS, "ENOSYS, not implemented by this kernel"),
            Map.entry(EOPNOTSUPP, "EOPNOTSUPP, not supported by this kernel"),
            Map.entry(ENOTSUPP, "ENOTSUPP, not supported by this kernel"));

    private Errno() {
    }

    public static String describe(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
