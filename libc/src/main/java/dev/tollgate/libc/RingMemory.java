package dev.tollgate.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * mmap(2), munmap(2), poll(2) and getpagesize(3) for reading a BPF ring buffer (its consumer
 * page read-write, its producer page and data read-only). Failures of mmap and munmap throw
 * with the errno; poll returns {@code -errno}.
 */
public final class RingMemory {
    private static final MethodHandle MMAP = Native.downcall("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Native.CAPTURE_ERRNO);
    private static final MethodHandle MUNMAP = Native.downcall("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), Native.CAPTURE_ERRNO);
    private static final MethodHandle POLL = Native.downcall("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
            Native.CAPTURE_ERRNO);
    private static final MethodHandle PAGESIZE = Native.downcall("getpagesize", FunctionDescriptor.of(ValueLayout.JAVA_INT));

    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    private static final short POLLIN = 1;

    private RingMemory() {}

    public static int pageSize() {
        try {
            return (int) PAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset}, shared; throws with the errno on failure. */
    @SuppressWarnings("restricted") // reinterpret: the kernel mapped exactly length bytes
    public static MemorySegment mmap(int fd, long length, int prot, long offset, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment r = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, MAP_SHARED, fd, offset);
            if (r.address() == -1L) throw new IllegalStateException("mmap of " + what + " failed: " + Errno.of(Native.errno(state)));
            return r.reinterpret(length);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static void munmap(MemorySegment mapped) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) MUNMAP.invokeExact(state, mapped, mapped.byteSize());
            if (r < 0) throw new IllegalStateException("munmap: " + Errno.of(Native.errno(state)));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Waits up to {@code timeoutMs} for {@code fd} to be readable: 1 if it is, 0 on timeout, {@code -errno}. */
    public static int pollIn(int fd, int timeoutMs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            int r = (int) POLL.invokeExact(state, pfd, 1L, timeoutMs);
            return r < 0 ? -Native.errno(state) : r;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
