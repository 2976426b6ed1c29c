package dev.tollgate.bpf.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc entry points the BPF layer needs, bound through FFM with errno captured.
 * Each returns the raw result; a negative result carries {@code -errno}.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SYSCALL3 = bind("syscall",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = bind("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle OPEN = bind("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MOUNT = bind("mount",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            CAPTURE_ERRNO);

    public static final int O_RDONLY = 0, O_DIRECTORY = 0200000, O_CLOEXEC = 02000000;

    /** SYS_bpf for this architecture. */
    public static final long SYS_BPF = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 321;
        case "aarch64", "arm64", "riscv64", "loongarch64" -> 280;
        case "ppc64le", "ppc64" -> 361;
        case "s390x" -> 351;
        default -> throw new ExceptionInInitializerError(
                "tollgate does not know SYS_bpf on " + System.getProperty("os.arch"));
    };

    private Libc() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new ExceptionInInitializerError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** bpf(2): returns the result, or {@code -errno}. */
    public static long bpf(int command, MemorySegment attr, long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long r = (long) SYSCALL3.invokeExact(state, SYS_BPF, (long) command, attr, size);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2): returns 0 or {@code -errno}. */
    public static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) CLOSE.invokeExact(state, fd);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** open(2): returns the fd or {@code -errno}. */
    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mount(2): returns 0 or {@code -errno}. */
    public static int mount(String source, String target, String fsType, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target),
                    arena.allocateFrom(fsType), flags, MemorySegment.NULL);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
