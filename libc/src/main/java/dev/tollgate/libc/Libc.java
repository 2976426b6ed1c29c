package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The file and process calls where the JDK either cannot do the job ({@code kill(2)} with any
 * signal, {@code mount(2)}) or hides the errno that tells one failure from another
 * ({@code rmdir} EBUSY vs ENOTEMPTY, a control file write's ESRCH/EBUSY/EINVAL). Each returns
 * 0 or the errno, as {@link Posix}'s calls without a value do ({@link Posix#open} and
 * {@link Posix#close} serve here too). None throws for a kernel error: the caller knows what the
 * errno means for what it was doing, and throws its own typed exception with it.
 */
public final class Libc {
    private Libc() {}

    private static final Linker.Option CE = Native.CAPTURE_ERRNO;
    private static final MethodHandle WRITE =
            Native.downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CE);
    private static final MethodHandle MKDIR = Native.downcall("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CE);
    private static final MethodHandle RMDIR = Native.downcall("rmdir", FunctionDescriptor.of(JAVA_INT, ADDRESS), CE);
    private static final MethodHandle MOUNT = Native.downcall("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), CE);
    private static final MethodHandle UNLINK = Native.downcall("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS), CE);
    private static final MethodHandle RENAME = Native.downcall("rename", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), CE);
    private static final MethodHandle OPENDIR = Native.downcall("opendir", FunctionDescriptor.of(ADDRESS, ADDRESS), CE);
    private static final MethodHandle READDIR = Native.downcall("readdir64", FunctionDescriptor.of(ADDRESS, ADDRESS), CE);
    private static final MethodHandle CLOSEDIR = Native.downcall("closedir", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ERRNO_LOCATION = Native.downcall("__errno_location", FunctionDescriptor.of(ADDRESS));
    /** struct dirent64 (the same on every 64-bit glibc): d_type at 18, d_name at 19. */
    private static final long D_TYPE = 18, D_NAME = 19, DIRENT_MAX = 19 + 256;
    private static final byte DT_UNKNOWN = 0, DT_DIR = 4;
    private static final MethodHandle KILL = Native.downcall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CE);

    /** mkdir(2); 0 or the errno. */
    public static int mkdir(Path path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) MKDIR.invokeExact(state, arena.allocateFrom(path.toString()), mode);
            return r == 0 ? 0 : Native.errno(state);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** rmdir(2); 0 or the errno. */
    public static int rmdir(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) RMDIR.invokeExact(state, arena.allocateFrom(path.toString()));
            return r == 0 ? 0 : Native.errno(state);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * unlink(2); 0 or the errno. Unlike {@code Files.deleteIfExists}, a missing file (ENOENT)
     * costs no exception, which matters where absence is the common case (a pin to clear
     * before pinning, for each of a thousand units).
     */
    public static int unlink(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) UNLINK.invokeExact(state, arena.allocateFrom(path.toString()));
            return r == 0 ? 0 : Native.errno(state);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Adds the names of {@code dir}'s subdirectories (not {@code .} and {@code ..}) to
     * {@code names}, in directory order, from the entry types readdir(3) gives: no stat(2) per
     * entry. A cgroup's directory holds some twenty control files, and a stat of each (and its
     * exception-free JDK form is not there for NOFOLLOW_LINKS) was most of listing a cgroup's
     * children. An entry of unknown type (a file system without d_type) is looked at with
     * lstat. 0 or the errno of opendir or readdir.
     */
    public static int subdirectories(Path dir, java.util.List<String> names) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment d = (MemorySegment) OPENDIR.invokeExact(state, arena.allocateFrom(dir.toString()));
            if (d.equals(MemorySegment.NULL)) return Native.errno(state);
            try {
                MemorySegment errno = ((MemorySegment) ERRNO_LOCATION.invokeExact()).reinterpret(4);
                while (true) {
                    // readdir returns NULL at the end and on an error; only errno tells them apart.
                    errno.set(JAVA_INT, 0, 0);
                    MemorySegment e = (MemorySegment) READDIR.invokeExact(state, d);
                    if (e.equals(MemorySegment.NULL)) return Native.errno(state);
                    e = e.reinterpret(DIRENT_MAX);
                    String name = e.getString(D_NAME);
                    if (name.equals(".") || name.equals("..")) continue;
                    byte type = e.get(JAVA_BYTE, D_TYPE);
                    if (type == DT_DIR || type == DT_UNKNOWN
                            && java.nio.file.Files.isDirectory(dir.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        names.add(name);
                    }
                }
            } finally {
                int unused = (int) CLOSEDIR.invokeExact(d);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * A failed call on {@code path} as the JDK's typed exception, for callers that throw one:
     * {@link java.nio.file.NoSuchFileException} for ENOENT and ENOTDIR, and so on.
     */
    public static java.io.IOException pathError(String call, Path path, int errno) {
        return Native.pathError(call, path.toString(), errno);
    }

    /** rename(2), replacing what is at {@code to}; 0 or the errno. */
    public static int rename(Path from, Path to) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) RENAME.invokeExact(state, arena.allocateFrom(from.toString()), arena.allocateFrom(to.toString()));
            return r == 0 ? 0 : Native.errno(state);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Writes {@code data} to an existing file in one write(2) call, as kernfs control files
     * require (each write is one command: "+memory -io", one pid, "1"). 0 or the errno of open
     * or write.
     */
    public static int writeFile(Path path, byte[] data) {
        int fd = Posix.open(path.toString(), Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        if (fd < 0) return -fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, JAVA_BYTE, 0, data.length);
            long n;
            do {
                n = (long) WRITE.invokeExact(state, fd, buf, (long) data.length);
            } while (n < 0 && Native.errno(state) == Errno.EINTR.number());
            if (n < 0) return Native.errno(state);
            // kernfs takes the whole buffer or fails; a short write would be a kernel bug.
            return n == data.length ? 0 : Errno.EIO.number();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            Posix.close(fd);
        }
    }

    /** mount(2) with no data; 0 or the errno. */
    public static int mount(String source, Path target, String fsType, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target.toString()),
                    arena.allocateFrom(fsType), flags, MemorySegment.NULL);
            return r == 0 ? 0 : Native.errno(state);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** kill(2) to one process; 0 or the errno (ESRCH once it is gone). */
    public static int kill(long pid, int signal) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            // kill(0 or negative) would signal a process group, never what a caller here means.
            throw new IllegalArgumentException("not a process id: " + pid);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) KILL.invokeExact(state, (int) pid, signal);
            return r == 0 ? 0 : Native.errno(state);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
