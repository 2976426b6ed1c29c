package dev.tollgate.bpf.sys;

import dev.tollgate.bpf.BpfCommand;
import dev.tollgate.bpf.BpfException;
import dev.tollgate.libc.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One zero-filled {@code union bpf_attr} and the arena that owns it and everything it points
 * to. The buffer is larger than any kernel's union, so bytes past the fields a command uses
 * are always zero, as the kernel requires; and commands that write back fields this code
 * does not read (e.g. 6.18's {@code query.revision}) always have room.
 */
final class BpfAttr implements AutoCloseable {
    /** Comfortably larger than sizeof(union bpf_attr) of any kernel so far; the kernel accepts any size up to a page whose tail is zero. */
    public static final int SIZE = 256;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment attr = arena.allocate(SIZE, 8);

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
        return arena.allocate(Math.max(bytes, 1), 8);
    }

    public MemorySegment buffer(byte[] content) {
        MemorySegment s = buffer(content.length);
        MemorySegment.copy(content, 0, s, ValueLayout.JAVA_BYTE, 0, content.length);
        return s;
    }

    public MemorySegment string(String s) {
        return arena.allocateFrom(s);
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
        arena.close();
    }
}
