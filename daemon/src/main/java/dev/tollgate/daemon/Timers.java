package dev.tollgate.daemon;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Time for the lifecycle: the clock for state timestamps and the timers of RestartSec=,
 * TimeoutStartSec= and TimeoutStopSec=. A timer's task only posts an event to the manager
 * loop. Tests give a fake clock that they advance.
 */
interface Timers extends AutoCloseable {
    /** A scheduled task that may still be called off. */
    interface Timer {
        void cancel();
    }

    Timer schedule(Duration after, Runnable task);

    Instant now();

    @Override
    void close();

    /** The wall clock and one scheduler thread. */
    static Timers system() {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("manager-timers").factory());
        return new Timers() {
            @Override
            public Timer schedule(Duration after, Runnable task) {
                var f = s.schedule(task, Math.max(0, after.toNanos()), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public void close() {
                s.shutdownNow();
            }
        };
    }
}
