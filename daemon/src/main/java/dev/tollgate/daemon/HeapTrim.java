package dev.tollgate.daemon;

import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Gives the heap that a burst of requests grew back to the kernel. A reply about a thousand
 * units (ListUnits --all) is built as a JSON tree of tens of MiB before it is written; the serial
 * collector grows the heap to hold it and never gives the memory back on its own (young
 * collections do not shrink it), so one {@code tollctl list-units --all} left a daemon with 1,000
 * units at ~137 MiB RSS instead of ~95. After a call, when the committed heap is more than
 * {@link #GROWTH} above what it was after the last trim, a full collection runs (on a thread of
 * its own, the reply already sent) and, with {@code -XX:-ShrinkHeapInSteps}, shrinks the heap at
 * once to what is live plus MaxHeapFreeRatio. At most one per {@link #SPACING}: a client that
 * asks for everything every second costs one full collection (~20-40 ms) per spacing, not per
 * call; a trim asked for during the spacing runs at its end.
 */
final class HeapTrim {
    /** Growth of the committed heap above the last trim's that is worth a full collection. */
    static final long GROWTH = 8L << 20;
    static final Duration SPACING = Duration.ofSeconds(10);

    /** The heap as the trim sees it: what is committed, and a full collection. */
    interface Heap {
        long committed();

        void collect();

        Heap RUNTIME = new Heap() {
            @Override
            public long committed() {
                return Runtime.getRuntime().totalMemory();
            }

            @Override
            public void collect() {
                System.gc();
            }
        };
    }

    private final Heap heap;
    private final LongSupplier nanos;
    private final BiConsumer<Duration, Runnable> later;
    private long baseline;
    private long lastTrim;
    private boolean pending;

    /**
     * @param later runs a task after a delay, off the caller's thread
     */
    HeapTrim(Heap heap, LongSupplier nanos, BiConsumer<Duration, Runnable> later) {
        this.heap = heap;
        this.nanos = nanos;
        this.later = later;
        this.baseline = heap.committed();
        this.lastTrim = nanos.getAsLong() - SPACING.toNanos();
    }

    /** The daemon's: a virtual thread waits out the delay and collects. */
    static HeapTrim ofRuntime() {
        return new HeapTrim(Heap.RUNTIME, System::nanoTime, (delay, task) -> Thread.ofVirtual().name("heap-trim").start(() -> {
            try {
                Thread.sleep(delay);
                task.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    /** After a call has been answered: schedules a trim if the heap grew enough since the last one. */
    void afterCall() {
        long wait;
        synchronized (this) {
            if (pending || heap.committed() <= baseline + GROWTH) return;
            pending = true;
            wait = Math.max(0, lastTrim + SPACING.toNanos() - nanos.getAsLong());
        }
        later.accept(Duration.ofNanos(wait), this::trim);
    }

    private void trim() {
        heap.collect();
        synchronized (this) {
            baseline = heap.committed();
            lastTrim = nanos.getAsLong();
            pending = false;
        }
    }
}
