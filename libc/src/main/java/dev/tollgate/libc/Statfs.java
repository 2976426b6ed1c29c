package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
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
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle STATFS = downcall("statfs",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** Larger than {@code struct statfs} on every Linux ABI (120 bytes on 64-bit ones). */
    private static final long STRUCT_STATFS_BYTES = 256;
    /** {@code f_type} is the first member: a long, except s390x's unsigned int. */
    private static final boolean F_TYPE_IS_INT = System.getProperty("os.arch").equals("s390x");

    private static final int ENOENT = 2, EACCES = 13, ENOTDIR = 20;

    private Statfs() {}

    @SuppressWarnings("restricted") // granted by --enable-native-access / the Enable-Native-Access manifest entry
    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

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
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(STRUCT_STATFS_BYTES, 8);
            int r = (int) STATFS.invokeExact(state, arena.allocateFrom(name), buf);
            if (r != 0) throw error(name, (int) ERRNO.get(state, 0L));
            return F_TYPE_IS_INT ? Integer.toUnsignedLong(buf.get(JAVA_INT, 0)) : buf.get(JAVA_LONG, 0) & 0xffffffffL;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
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

    private static IOException error(String path, int errno) {
        String reason = "statfs: " + strerror(errno);
        return switch (errno) {
            // ENOTDIR: a component of the path is a file, so there is no such directory either.
            case ENOENT, ENOTDIR -> new NoSuchFileException(path, null, reason);
            case EACCES -> new AccessDeniedException(path, null, reason);
            default -> new FileSystemException(path, null, reason);
        };
    }

    /** The C library's text for {@code errno}, e.g. "No such file or directory". */
    @SuppressWarnings("restricted") // reinterpret: strerror returns a NUL-terminated string of unknown length
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(1024).getString(0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
