package dev.tollgate.cgroup;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The few libc calls where the JDK either cannot do the job ({@code kill(2)} with any signal) or
 * hides the errno that tells one failure from another ({@code rmdir} EBUSY vs ENOTEMPTY, a
 * control-file write's ESRCH/EBUSY/EINVAL). Each returns 0 or the errno; none throws.
 */
final class Libc {
    private Libc() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final int O_WRONLY = 01;
    private static final int O_CLOEXEC = 02000000;
    private static final int EINTR = 4;

    private static final MethodHandle KILL =
            downcall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle MKDIR =
            downcall("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle RMDIR =
            downcall("rmdir", FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE_ERRNO);
    // open(2) is variadic: the mode travels as the first variadic argument.
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle WRITE =
            downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle CLOSE =
            downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    @SuppressWarnings("restricted") // granted by --enable-native-access / the Enable-Native-Access manifest entry
    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** kill(2); 0 or the errno. */
    static int kill(long pid, int signal) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            // kill(0 or negative) would signal a process group, never what a caller here means.
            throw new IllegalArgumentException("not a process id: " + pid);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) KILL.invokeExact(state, (int) pid, signal);
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mkdir(2); 0 or the errno. */
    static int mkdir(Path path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) MKDIR.invokeExact(state, arena.allocateFrom(path.toString()), mode);
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** rmdir(2); 0 or the errno. */
    static int rmdir(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) RMDIR.invokeExact(state, arena.allocateFrom(path.toString()));
            return r == 0 ? 0 : errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Writes {@code data} to an existing file in one write(2) call, as kernfs control files
     * require (each write is one command: "+memory -io", one pid, "1").
     * 0 or the errno of open or write.
     */
    static int writeFile(Path path, byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment name = arena.allocateFrom(path.toString());
            int fd;
            do {
                fd = (int) OPEN.invokeExact(state, name, O_WRONLY | O_CLOEXEC, 0);
            } while (fd < 0 && errno(state) == EINTR);
            if (fd < 0) return errno(state);
            try {
                MemorySegment buf = arena.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, buf, JAVA_BYTE, 0, data.length);
                long n;
                do {
                    n = (long) WRITE.invokeExact(state, fd, buf, (long) data.length);
                } while (n < 0 && errno(state) == EINTR);
                if (n < 0) return errno(state);
                // kernfs takes the whole buffer or fails; a short write would be a kernel bug.
                return n == data.length ? 0 : Errno.EIO.code();
            } finally {
                int _ = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
