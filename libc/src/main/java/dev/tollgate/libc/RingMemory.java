package dev.tollgate.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * mmap(2), munmap(2), poll(2) and getpagesize(3) for reading a BPF ring buffer (its consumer
 * page read-write, its producer page and data read-only). Failures of mmap and munmap throw
 * with the errno; poll returns {@code -errno}.
 */
public final class RingMemory {
    private static final MemorySegment MMAP = Native.function("mmap");
    private static final MemorySegment MUNMAP = Native.function("munmap");
    private static final MemorySegment POLL = Native.function("poll");
    private static final MemorySegment PAGESIZE = Native.function("getpagesize");

    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    private static final short POLLIN = 1;

    private RingMemory() {}

    public static int pageSize() {
        try (Arena arena = Arena.ofConfined()) {
            return (int) Native.call(PAGESIZE, Native.callState(arena));
        }
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset}, shared; throws with the errno on failure. */
    @SuppressWarnings("restricted") // reinterpret: the kernel mapped exactly length bytes
    public static MemorySegment mmap(int fd, long length, int prot, long offset, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            long r = Native.call(MMAP, state, 0, length, prot, MAP_SHARED, fd, offset);
            if (r == -1L) throw new IllegalStateException("mmap of " + what + " failed: " + Errno.of(Native.errno(state)));
            return MemorySegment.ofAddress(r).reinterpret(length);
        }
    }

    public static void munmap(MemorySegment mapped) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int r = (int) Native.call(MUNMAP, state, mapped.address(), mapped.byteSize());
            if (r < 0) throw new IllegalStateException("munmap: " + Errno.of(Native.errno(state)));
        }
    }

    /** Waits up to {@code timeoutMs} for {@code fd} to be readable: 1 if it is, 0 on timeout, {@code -errno}. */
    public static int pollIn(int fd, int timeoutMs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            int r = (int) Native.call(POLL, state, pfd.address(), 1, timeoutMs);
            return r < 0 ? -Native.errno(state) : r;
        }
    }
}
