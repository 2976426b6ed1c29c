package dev.tollgate.bpf;

import dev.tollgate.libc.RingMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * The consumer side of a {@code BPF_MAP_TYPE_RINGBUF}, as libbpf's ringbuf.c reads it: the
 * consumer position page mapped read-write, the producer position page and the data area
 * (mapped twice in a row by the kernel, so a record that wraps is contiguous) read-only.
 * Each record has an 8-byte header whose u32 length carries a busy bit (still being written:
 * stop there) and a discard bit (skip it); records are 8-byte aligned. Positions are read with
 * acquire and the consumer position written with release semantics, as the kernel pairs them.
 *
 * <p>Single consumer: one thread drains. The map may be pinned and reopened by a later
 * process; the consumer position lives in the kernel, so a new reader carries on where the
 * last one stopped.
 */
public final class RingBufferReader implements AutoCloseable {
    private static final long BUSY = 1L << 31, DISCARD = 1L << 30, HEADER = 8;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final BpfMap map;
    private final MemorySegment consumer;
    private final MemorySegment producer; // producer page, then the data area twice
    private final long mask;
    private final long dataOffset;
    private boolean closed;

    private RingBufferReader(BpfMap map, MemorySegment consumer, MemorySegment producer, long size, long page) {
        this.map = map;
        this.consumer = consumer;
        this.producer = producer;
        this.mask = size - 1;
        this.dataOffset = page;
    }

    /** Maps {@code ring} (a RINGBUF map) for reading; the reader does not own the map's fd. */
    public static RingBufferReader open(BpfMap ring) {
        if (ring.info().type() != MapType.RINGBUF.value)
            throw new IllegalArgumentException(ring + " is a " + ring.info().typeName() + " map, not a ring buffer");
        long page = RingMemory.pageSize();
        long size = Integer.toUnsignedLong(ring.info().maxEntries());
        MemorySegment c = RingMemory.mmap(ring.fd(), page, RingMemory.PROT_READ | RingMemory.PROT_WRITE, 0, "ring buffer consumer page");
        try {
            MemorySegment p = RingMemory.mmap(ring.fd(), page + 2 * size, RingMemory.PROT_READ, page, "ring buffer data");
            return new RingBufferReader(ring, c, p, size, page);
        } catch (RuntimeException e) {
            RingMemory.munmap(c);
            throw e;
        }
    }

    /** Waits up to {@code timeoutMs} for records (the kernel wakes the map's fd when it adds some). */
    public boolean await(int timeoutMs) {
        if (pending() > 0) return true;
        int r = RingMemory.pollIn(map.fd(), timeoutMs);
        return r > 0 || pending() > 0;
    }

    /** Bytes written by producers and not yet consumed (records, headers and padding). */
    public long pending() {
        return (long) LONG.getAcquire(producer, 0L) - (long) LONG.getAcquire(consumer, 0L);
    }

    /**
     * Hands at most {@code max} committed records to {@code sample} (a view valid during the
     * call only), in order, and returns how many it handed. Discarded records are skipped and
     * not counted. Stops at a record still being written.
     */
    public int drain(int max, Consumer<MemorySegment> sample) {
        if (closed) throw new IllegalStateException("ring buffer reader closed");
        int n = 0;
        long cons = (long) LONG.getAcquire(consumer, 0L);
        while (n < max) {
            long prod = (long) LONG.getAcquire(producer, 0L);
            if (cons >= prod) break;
            long at = dataOffset + (cons & mask);
            long len = Integer.toUnsignedLong((int) INT.getAcquire(producer, at));
            if ((len & BUSY) != 0) break;
            long bytes = len & ~(BUSY | DISCARD);
            cons += (bytes + HEADER + 7) & ~7L;
            if ((len & DISCARD) == 0) {
                sample.accept(producer.asSlice(at + HEADER, bytes));
                n++;
            }
            LONG.setRelease(consumer, 0L, cons);
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RingMemory.munmap(producer);
        RingMemory.munmap(consumer);
    }
}
