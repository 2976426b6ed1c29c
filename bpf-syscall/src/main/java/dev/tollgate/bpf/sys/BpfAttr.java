package dev.tollgate.bpf.sys;

import dev.tollgate.bpf.BpfCommand;
import dev.tollgate.bpf.BpfException;
import dev.tollgate.libc.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One zero-filled {@code union bpf_attr} and the memory of everything it points to, valid until it
 * is closed (the thread's reused scratch memory, or an arena of its own). The buffer is larger than
 * any kernel's union, so bytes past the fields a command uses are always zero, as the kernel
 * requires; and commands that write back fields this code does not read (e.g. 6.18's {@code
 * query.revision}) always have room.
 */
final class BpfAttr implements AutoCloseable {
    /** Comfortably larger than sizeof(union bpf_attr) of any kernel so far; the kernel accepts any size up to a page whose tail is zero. */
    public static final int SIZE = 256;

    /**
     * Each thread's union, reused: bpf(2) is called by the thousand (GetCounters reads every
     * unit's map values, each start updates maps and creates links), and an arena per call
     * costs a session object and a malloc/free. An attr made while the thread's is in use (one
     * built inside another's lifetime) gets its own.
     */
    private static final class Scratch {
        final MemorySegment attr = Arena.ofAuto().allocate(SIZE, 8);
        /** For what the attr points to (keys, values, names), while it fits. */
        final MemorySegment area = Arena.ofAuto().allocate(AREA, 8);
        boolean inUse;
    }

    /** A map value of 64 bytes per CPU on 32 CPUs, with its key, fits; a program or a log does not. */
    private static final int AREA = 4096;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final Scratch scratch; // null when this attr has its own
    private final MemorySegment attr;
    private Arena arena; // what the attr points to beyond the scratch area, made on first use
    private long areaUsed;

    BpfAttr() {
        Scratch s = SCRATCH.get();
        if (s.inUse) {
            scratch = null;
            arena = Arena.ofConfined();
            attr = arena.allocate(SIZE, 8);
        } else {
            s.inUse = true;
            scratch = s;
            attr = s.attr.fill((byte) 0);
        }
    }

    private Arena arena() {
        if (arena == null) arena = Arena.ofConfined();
        return arena;
    }

    public BpfAttr u32(long offset, int value) {
        attr.set(ValueLayout.JAVA_INT_UNALIGNED, offset, value);
        return this;
    }

    public BpfAttr u64(long offset, long value) {
        attr.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
        return this;
    }

    /** Stores the address of {@code target} (or 0 for NULL) as an {@code __aligned_u64}. */
    public BpfAttr pointer(long offset, MemorySegment target) {
        return u64(offset, target.address());
    }

    /** Copies a name into a fixed {@code char[len]} field, NUL-terminated. */
    public BpfAttr name(long offset, int len, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        if (b.length >= len) throw new IllegalArgumentException("name '" + name + "' longer than " + (len - 1));
        MemorySegment.copy(b, 0, attr, ValueLayout.JAVA_BYTE, offset, b.length);
        return this;
    }

    public int u32(long offset) {
        return attr.get(ValueLayout.JAVA_INT_UNALIGNED, offset);
    }

    public long u64(long offset) {
        return attr.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    /** A zeroed buffer owned by this attr, for pointers inside it. */
    public MemorySegment buffer(long bytes) {
        long size = Math.max(bytes, 1);
        long aligned = (size + 7) & ~7L;
        if (scratch != null && areaUsed + aligned <= AREA) {
            MemorySegment b = scratch.area.asSlice(areaUsed, size).fill((byte) 0);
            areaUsed += aligned;
            return b;
        }
        return arena().allocate(size, 8);
    }

    public MemorySegment buffer(byte[] content) {
        MemorySegment s = buffer(content.length);
        MemorySegment.copy(content, 0, s, ValueLayout.JAVA_BYTE, 0, content.length);
        return s;
    }

    public MemorySegment string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment z = buffer(b.length + 1L); // zeroed: NUL-terminated
        MemorySegment.copy(b, 0, z, ValueLayout.JAVA_BYTE, 0, b.length);
        return z;
    }

    /** Issues the command; returns the result or throws naming the command and errno. */
    public long call(BpfCommand command, String context) {
        long r = callRaw(command);
        if (r < 0) throw new BpfException(command, Errno.of((int) -r), context);
        return r;
    }

    /** Issues the command; returns the result, or {@code -errno} (for probes and retries). */
    public long callRaw(BpfCommand command) {
        long r;
        do {
            r = BpfSyscall.bpf(command.number, attr, SIZE);
        } while (r == -Errno.EINTR.number());
        return r;
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
        if (scratch != null) scratch.inUse = false;
    }
}
