package dev.tollgate.bpf;

import dev.tollgate.libc.CgroupId;
import dev.tollgate.libc.Errno;
import dev.tollgate.libc.Posix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** An open cgroup v2 directory: the target of attach, detach, query and link create. */
public final class CgroupHandle implements AutoCloseable {
    private final Path path;
    private final Fd fd;

    private CgroupHandle(Path path, Fd fd) {
        this.path = path;
        this.fd = fd;
    }

    public static CgroupHandle open(Path cgroupDirectory) {
        int r = Posix.open(cgroupDirectory.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (r < 0) throw new UncheckedIOException(new IOException("open " + cgroupDirectory + ": " + Errno.of(-r)));
        return new CgroupHandle(cgroupDirectory, new Fd(r));
    }

    public Path path() {
        return path;
    }

    public int fd() {
        return fd.value();
    }

    /** The kernel's cgroup id, as in bpf_link_info. */
    public long id() {
        try {
            return CgroupId.of(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "cgroup " + path;
    }
}
