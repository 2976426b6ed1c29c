package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * statfs(2): which file system a path is on, asked of the path itself.
 *
 * <p>This is how systemd ({@code cg_unified_cached}, {@code path_is_fs_type}) and libbpf
 * ({@code bpf_object__pin}'s check for bpffs) find the cgroup2 and bpf file systems, and the
 * only answer that is right in every mount namespace: {@code /proc/self/mountinfo} also lists
 * mounts that a later mount on the same or a parent directory hides (a container that mounts a
 * fresh {@code /sys} still lists the host's cgroup2 and bpffs under it), and the path lookup
 * statfs does sees exactly the mount that a file operation on the path would use.
 */
public final class Statfs {
    private static final MemorySegment STATFS = Native.function("statfs");

    /** Larger than {@code struct statfs} on every Linux ABI (120 bytes on 64-bit ones). */
    private static final long STRUCT_STATFS_BYTES = 256;
    /** {@code f_type} is the first member: a long, except s390x's unsigned int. */
    private static final boolean F_TYPE_IS_INT = System.getProperty("os.arch").equals("s390x");

    private Statfs() {}

    /**
     * The magic number of the file system {@code path} is on ({@code f_type}, unsigned).
     *
     * @throws NoSuchFileException if the path does not exist (or a component of it is not a
     *     directory), {@link AccessDeniedException}, or a
     *     {@link FileSystemException} with the kernel's reason for any other failure
     */
    public static long magic(Path path) throws IOException {
        String name = path.toString();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment buf = arena.allocate(STRUCT_STATFS_BYTES, 8);
            int r = (int) Native.call(STATFS, state, arena.allocateFrom(name).address(), buf.address());
            if (r != 0) throw Native.pathError("statfs", name, Native.errno(state));
            return F_TYPE_IS_INT ? Integer.toUnsignedLong(buf.get(JAVA_INT, 0)) : buf.get(JAVA_LONG, 0) & 0xffffffffL;
        }
    }

    /**
     * Whether {@code path} is on a file system of type {@code type}; false if the path does not
     * exist, so that a caller can try the next place.
     *
     * @throws IOException for any other failure (no permission, I/O error): that is no answer
     */
    public static boolean isOn(Path path, FsMagic type) throws IOException {
        try {
            return magic(path) == type.magic;
        } catch (NoSuchFileException e) {
            return false;
        }
    }
}
