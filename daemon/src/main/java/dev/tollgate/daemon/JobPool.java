package dev.tollgate.daemon;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The threads that do the manager loop's slow work: 16 platform threads (a job spends its time
 * in native calls — bpf(2), posix_spawn and its hand-over, cgroup writes — which would pin a
 * virtual thread's carrier). Spawns go before the program loads of units not started yet, so a
 * unit whose programs are in place runs at once, as when one thread did a unit's whole start:
 * at boot the spawns (which mostly wait for the child) overlap the loads of the next units
 * instead of all coming after them.
 */
final class JobPool implements AutoCloseable {
    private final ThreadPoolExecutor pool;
    private final AtomicLong sequence = new AtomicLong();

    private record Ranked(int rank, long sequence, Runnable task) implements Runnable, Comparable<Ranked> {
        @Override
        public void run() {
            task.run();
        }

        @Override
        public int compareTo(Ranked o) {
            return rank != o.rank ? Integer.compare(rank, o.rank) : Long.compare(sequence, o.sequence);
        }
    }

    JobPool(int threads) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(),
                Thread.ofPlatform().daemon().name("job-", 0).factory());
        // All at once: a fixed pool that grew with the load it met would look, from outside,
        // like threads leaking until it reached its size.
        pool.prestartAllCoreThreads();
    }

    /** Spawns: first in line. */
    Executor spawns() {
        return r -> pool.execute(new Ranked(0, sequence.incrementAndGet(), r));
    }

    /** Cgroups and programs: in the order asked. */
    Executor work() {
        return r -> pool.execute(new Ranked(1, sequence.incrementAndGet(), r));
    }

    ExecutorService executor() {
        return pool;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
