package dev.tollgate.daemon;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * The manager loop: the one thread that changes units. Everything that changes a unit is an
 * event posted here (a request, a process exit, a timer, the result of slow work done
 * elsewhere) and handled in order. After each batch of events the {@code publish} hook makes
 * the new state visible to queries; the callers of requests are answered only after that, so
 * a reply and a query that follows it agree.
 *
 * <p>Threaded for the daemon; {@link #manual()} for tests, which run the pending events on
 * their own thread with {@link #runPending()} (no sleeping, no races).
 */
final class ManagerLoop implements AutoCloseable {
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final ArrayDeque<Runnable> afterPublish = new ArrayDeque<>();
    private final Thread thread;
    private volatile Thread owner;
    private volatile boolean closed;
    private Runnable publish = () -> { };

    private static final Runnable STOP = () -> { };

    private ManagerLoop(boolean threaded) {
        if (threaded) {
            thread = Thread.ofPlatform().daemon().name("manager-loop").unstarted(this::run);
            owner = thread;
        } else {
            thread = null;
        }
    }

    static ManagerLoop threaded() {
        ManagerLoop l = new ManagerLoop(true);
        l.thread.start();
        return l;
    }

    static ManagerLoop manual() {
        return new ManagerLoop(false);
    }

    /** What makes the state after a batch visible (set once, before events flow). */
    void onPublish(Runnable publish) {
        this.publish = publish;
    }

    /** Queues an event; any thread. */
    void post(Runnable event) {
        if (closed) {
            Log.debug("manager loop closed; dropped an event");
            return;
        }
        events.add(event);
    }

    /** Runs {@code body} on the loop; the future completes (after the state is published) with its value or exception. */
    <T> CompletableFuture<T> call(Supplier<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        post(() -> {
            try {
                T v = body.get();
                later(() -> f.complete(v));
            } catch (RuntimeException e) {
                later(() -> f.completeExceptionally(e));
            }
        });
        return f;
    }

    /** Runs {@code body} on the loop and waits for its future (a job) to complete. */
    <T> CompletableFuture<T> compose(Supplier<CompletableFuture<T>> body) {
        return call(body).thenCompose(x -> x);
    }

    /** Completes {@code f} with {@code value} once the current batch's state is published. */
    <T> void completeLater(CompletableFuture<T> f, T value) {
        later(() -> f.complete(value));
    }

    <T> void failLater(CompletableFuture<T> f, Throwable e) {
        later(() -> f.completeExceptionally(e));
    }

    private void later(Runnable r) {
        checkOwner();
        afterPublish.add(r);
    }

    /** Whether the caller is the loop (assertions of the single-writer rule). */
    boolean inLoop() {
        return owner == Thread.currentThread();
    }

    void checkOwner() {
        if (owner != Thread.currentThread()) {
            throw new IllegalStateException("unit state changed off the manager loop by " + Thread.currentThread().getName());
        }
    }

    /** The value of a future the loop completes, with a ManagerException unwrapped for the caller. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private void run() {
        while (true) {
            Runnable e;
            try {
                e = events.take();
            } catch (InterruptedException ie) {
                return;
            }
            if (e == STOP) return;
            handle(e);
            Runnable more;
            while ((more = events.poll()) != null) {
                if (more == STOP) {
                    settle();
                    return;
                }
                handle(more);
            }
            settle();
        }
    }

    /** Tests: runs every pending event (and those they post) on this thread; how many ran. */
    int runPending() {
        owner = Thread.currentThread();
        int n = 0;
        try {
            Runnable e;
            while ((e = events.poll()) != null) {
                handle(e);
                n++;
                settle();
            }
        } finally {
            owner = null;
        }
        return n;
    }

    private void handle(Runnable e) {
        try {
            e.run();
        } catch (RuntimeException | Error x) {
            Log.error("manager loop: an event failed: %s", x);
        }
    }

    /** Publishes, then answers waiting callers; an answer that changes state again is published again. */
    private void settle() {
        do {
            try {
                publish.run();
            } catch (RuntimeException x) {
                Log.error("manager loop: publishing failed: %s", x);
            }
            Runnable r;
            while ((r = afterPublish.poll()) != null) handle(r);
        } while (!afterPublish.isEmpty());
        publish.run();
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            events.add(STOP);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
