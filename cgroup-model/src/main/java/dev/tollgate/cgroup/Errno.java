package dev.tollgate.cgroup;

import java.util.Optional;

/**
 * The errno values that cgroup operations meet, with Linux's generic numbering (x86, arm,
 * arm64, riscv, ppc, s390; not alpha, mips, sparc, parisc).
 *
 * <p>Our own table rather than {@code strerror(3)}: the text must not depend on the locale,
 * and a caller must be able to tell EBUSY from ENOTEMPTY without matching message text.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EINVAL(22, "Invalid argument"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    ENAMETOOLONG(36, "File name too long"),
    ENOTEMPTY(39, "Directory not empty"),
    EOPNOTSUPP(95, "Operation not supported");

    private final int code;
    private final String description;

    Errno(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    public static Optional<Errno> of(int code) {
        for (Errno e : values()) {
            if (e.code == code) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** {@code "EBUSY (Device or resource busy)"}, or {@code "errno 71"} for one we do not name. */
    public static String describe(int code) {
        return of(code).map(e -> e.name() + " (" + e.description + ")").orElse("errno " + code);
    }
}
