package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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

    private static final MemorySegment WRITE = Native.function("write");
    private static final MemorySegment MKDIR = Native.function("mkdir");
    private static final MemorySegment RMDIR = Native.function("rmdir");
    private static final MemorySegment MOUNT = Native.function("mount");
    private static final MemorySegment UNLINK = Native.function("unlink");
    private static final MemorySegment RENAME = Native.function("rename");
    private static final MemorySegment OPENDIR = Native.function("opendir");
    private static final MemorySegment READDIR = Native.function("readdir64");
    private static final MemorySegment CLOSEDIR = Native.function("closedir");
    private static final MemorySegment ERRNO_LOCATION = Native.function("__errno_location");
    /** struct dirent64 (the same on every 64-bit glibc): d_type at 18, d_name at 19. */
    private static final long D_TYPE = 18, D_NAME = 19, DIRENT_MAX = 19 + 256;
    private static final byte DT_UNKNOWN = 0, DT_DIR = 4;
    private static final MemorySegment KILL = Native.function("kill");

    /** mkdir(2); 0 or the errno. */
    public static int mkdir(Path path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) Native.call(MKDIR, state, arena.allocateFrom(path.toString()).address(), mode);
            return r == 0 ? 0 : Native.errno(state);
        }
    }

    /** rmdir(2); 0 or the errno. */
    public static int rmdir(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) Native.call(RMDIR, state, arena.allocateFrom(path.toString()).address());
            return r == 0 ? 0 : Native.errno(state);
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
            int r = (int) Native.call(UNLINK, state, arena.allocateFrom(path.toString()).address());
            return r == 0 ? 0 : Native.errno(state);
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
            long d = Native.call(OPENDIR, state, arena.allocateFrom(dir.toString()).address());
            if (d == 0) return Native.errno(state);
            try {
                MemorySegment errno = MemorySegment.ofAddress(Native.call(ERRNO_LOCATION, state)).reinterpret(4);
                while (true) {
                    // readdir returns NULL at the end and on an error; only errno tells them apart.
                    errno.set(JAVA_INT, 0, 0);
                    long entry = Native.call(READDIR, state, d);
                    if (entry == 0) return Native.errno(state);
                    MemorySegment e = MemorySegment.ofAddress(entry).reinterpret(DIRENT_MAX);
                    String name = e.getString(D_NAME);
                    if (name.equals(".") || name.equals("..")) continue;
                    byte type = e.get(JAVA_BYTE, D_TYPE);
                    if (type == DT_DIR || type == DT_UNKNOWN
                            && java.nio.file.Files.isDirectory(dir.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        names.add(name);
                    }
                }
            } finally {
                Native.call(CLOSEDIR, state, d);
            }
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
            int r = (int) Native.call(RENAME, state, arena.allocateFrom(from.toString()).address(), arena.allocateFrom(to.toString()).address());
            return r == 0 ? 0 : Native.errno(state);
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
                n = Native.call(WRITE, state, fd, buf.address(), data.length);
            } while (n < 0 && Native.errno(state) == Errno.EINTR.number());
            if (n < 0) return Native.errno(state);
            // kernfs takes the whole buffer or fails; a short write would be a kernel bug.
            return n == data.length ? 0 : Errno.EIO.number();
        } finally {
            Posix.close(fd);
        }
    }

    /** mount(2) with no data; 0 or the errno. */
    public static int mount(String source, Path target, String fsType, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) Native.call(MOUNT, state, arena.allocateFrom(source).address(), arena.allocateFrom(target.toString()).address(),
                    arena.allocateFrom(fsType).address(), flags, 0);
            return r == 0 ? 0 : Native.errno(state);
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
            int r = (int) Native.call(KILL, state, pid, signal);
            return r == 0 ? 0 : Native.errno(state);
        }
    }
}
