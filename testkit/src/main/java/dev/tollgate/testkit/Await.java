package dev.tollgate.testkit;

import java.time.Duration;

/**
 * Waiting in a test for something the test cannot be told of directly (a process leaving a
 * cgroup, the kernel freeing a program, a log line): the condition is polled until it holds.
 * The deadline is a safety net only, long enough that a busy machine never reaches it on the
 * expected path; reaching it is a failure that names what never happened.
 */
public final class Await {
    /** How long any wait in a test may take before it counts as a hang. */
    public static final Duration SAFETY_NET = Duration.ofSeconds(120);

    private Await() {}

    /** A state a test waits for; reading it may fail (which fails the test). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * Polls {@code condition} until it holds; an AssertionError naming {@code what} after
     * {@link #SAFETY_NET}, or with the exception the condition threw.
     */
    public static void until(String what, Condition condition) throws InterruptedException {
        long deadline = System.nanoTime() + SAFETY_NET.toNanos();
        long pause = 1;
        while (!holds(what, condition)) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("gave up after " + SAFETY_NET.toSeconds() + " s waiting for " + what);
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 50);
        }
    }

    private static boolean holds(String what, Condition condition) throws InterruptedException {
        try {
            return condition.holds();
        } catch (InterruptedException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("failed while waiting for " + what + ": " + e, e);
        }
    }

    /**
     * A timeout a test names for a wait, raised to {@link #SAFETY_NET}: the timeouts written in
     * tests say how long the event takes on an idle machine, and are no deadline on a busy one.
     */
    public static Duration atLeastSafetyNet(Duration timeout) {
        return timeout.compareTo(SAFETY_NET) >= 0 ? timeout : SAFETY_NET;
    }
}
