package dev.tollgate.bpf.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * mmap(2), munmap(2) and poll(2) for reading a BPF ring buffer: the calls only the ring buffer
 * reader needs, kept apart from {@link Libc}'s bpf(2) so the reader's memory handling is in one
 * place. Each returns the raw result; a negative one carries {@code -errno}.
 */
public final class RingMemory {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle POLL = bind("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle PAGESIZE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getpagesize").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    private static final short POLLIN = 1;

    private RingMemory() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new ExceptionInInitializerError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, CAPTURE_ERRNO);
    }

    public static int pageSize() {
        try {
            return (int) PAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset}, shared; throws with the errno on failure. */
    public static MemorySegment mmap(int fd, long length, int prot, long offset, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment r = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, MAP_SHARED, fd, offset);
            if (r.address() == -1L) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IllegalStateException("mmap of " + what + " failed: errno " + errno);
            }
            return r.reinterpret(length);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void munmap(MemorySegment mapped) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) MUNMAP.invokeExact(state, mapped, mapped.byteSize());
            if (r < 0) throw new IllegalStateException("munmap: errno " + (int) ERRNO.get(state, 0L));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Waits up to {@code timeoutMs} for {@code fd} to be readable: 1 if it is, 0 on timeout, {@code -errno}. */
    public static int pollIn(int fd, int timeoutMs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            int r = (int) POLL.invokeExact(state, pfd, 1L, timeoutMs);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
