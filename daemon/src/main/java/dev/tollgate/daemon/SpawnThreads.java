package dev.tollgate.daemon;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The platform threads that make {@link Spawner}'s posix_spawn calls where glibc cannot spawn
 * into a cgroup: each call blocks its thread while the child is held before exec, so each
 * spawn under way needs a thread. Idle threads are reused, the most recent first, instead of
 * starting one per spawn (a thread start, its stack's mapping and unmapping: a quarter of a
 * thousand-unit boot's CPU went there). There are as many as spawns run at once; a thread idle
 * for {@link #KEEP_ALIVE_MS} ends, and so does one that made {@link #SPAWNS_PER_THREAD}
 * spawns: a spawn reads its thread's {@code /proc} children list, where the services that
 * thread spawned stay until they exit, and a thread that ends hands them to the main thread.
 */
final class SpawnThreads {
    static final int SPAWNS_PER_THREAD = 64;
    static final long KEEP_ALIVE_MS = 10_000;
    static final SpawnThreads INSTANCE = new SpawnThreads();

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private final Deque<Worker> idle = new ArrayDeque<>(); // guarded by this

    private SpawnThreads() {}

    /**
     * Runs {@code job} on an idle thread, or on a new one when none is idle; never waits. The
     * future completes once the job is over and its thread idle again (or ending), so a caller
     * that waits for it finds the thread ready for its next spawn.
     */
    CompletableFuture<Void> run(Runnable job) {
        Task t = new Task(job, new CompletableFuture<>());
        Worker w;
        synchronized (this) {
            w = idle.pollLast();
        }
        if (w == null) {
            w = new Worker();
            w.next.add(t);
            Thread.ofPlatform().daemon().name("spawn-" + SEQUENCE.incrementAndGet()).start(w::loop);
        } else {
            // Taken out of the idle list, the worker waits for this task even past its keep-alive.
            w.next.add(t);
        }
        return t.over();
    }

    private record Task(Runnable job, CompletableFuture<Void> over) {}

    /** Threads started so far (for tests: how few spawns started one). */
    static long started() {
        return SEQUENCE.get();
    }

    private final class Worker {
        final BlockingQueue<Task> next = new ArrayBlockingQueue<>(1);

        void loop() {
            Task task = poll(Long.MAX_VALUE);
            for (int spawns = 1; ; spawns++) {
                try {
                    task.job().run();
                } catch (RuntimeException | Error e) {
                    // The job reports its own failures to its caller; this thread goes on.
                    Log.error("spawn thread: %s", e);
                }
                if (spawns >= SPAWNS_PER_THREAD) {
                    task.over().complete(null);
                    return;
                }
                synchronized (SpawnThreads.this) {
                    idle.addLast(this);
                }
                task.over().complete(null);
                task = poll(KEEP_ALIVE_MS);
                if (task == null) {
                    synchronized (SpawnThreads.this) {
                        if (idle.remove(this)) return;
                    }
                    // A caller took this worker out of the idle list just now: its task is on the way.
                    task = poll(Long.MAX_VALUE);
                }
            }
        }

        /**
         * The next job, or null after {@code ms}. Deaf to interrupts: an idle worker that ended
         * on one would stay in the idle list, and the job handed to it would never run.
         */
        private Task poll(long ms) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(ms, Long.MAX_VALUE / 2_000_000));
            while (true) {
                try {
                    long left = deadline - System.nanoTime();
                    return ms == Long.MAX_VALUE ? next.take() : next.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                } catch (InterruptedException ignored) {
                    // not ours to stop on
                }
            }
        }
    }
}
