package dev.tollgate.cgroup;

import dev.tollgate.libc.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A cgroup operation that failed: what was done ({@link #operation()}), to which file or
 * directory ({@link #path()}), and why — an errno where the kernel gave one, else the cause.
 */
public final class CgroupException extends IOException {
    private final Path path;
    private final String operation;
    private final Errno errno;

    private CgroupException(String operation, Path path, Errno errno, String detail, Throwable cause) {
        super(message(operation, path, errno, detail, cause), cause);
        this.path = path;
        this.operation = operation;
        this.errno = errno;
    }

    private static String message(String operation, Path path, Errno errno, String detail, Throwable cause) {
        StringBuilder sb = new StringBuilder().append(operation).append(' ').append(path).append(": ");
        if (errno != null) {
            sb.append(errno);
            if (detail != null) sb.append(": ").append(detail);
        } else if (detail != null) {
            sb.append(detail);
            if (cause != null) sb.append(": ").append(cause);
        } else if (cause != null) {
            sb.append(cause);
        }
        return sb.toString();
    }

    /** The kernel refused with {@code errno}; {@code detail} (may be null) says what it means here. */
    static CgroupException errno(String operation, Path path, int errno, String detail) {
        return new CgroupException(operation, path, Errno.of(errno), detail, null);
    }

    static CgroupException io(String operation, Path path, IOException cause) {
        if (cause instanceof CgroupException ce) return ce;
        return new CgroupException(operation, path, null, null, cause);
    }

    static CgroupException failed(String operation, Path path, String detail) {
        return new CgroupException(operation, path, null, detail, null);
    }

    /** The file or directory the operation was on. */
    public Path path() {
        return path;
    }

    /** What was being done, e.g. {@code "remove cgroup"} or {@code "move pid 42 into"}. */
    public String operation() {
        return operation;
    }

    /** The errno the kernel returned; empty when the failure did not come with one. */
    public Optional<Errno> errno() {
        return Optional.ofNullable(errno);
    }

    public boolean is(Errno e) {
        return errno == e;
    }
}
