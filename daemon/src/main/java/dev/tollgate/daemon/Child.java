package dev.tollgate.daemon;

import dev.tollgate.libc.Posix;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process tollgated spawned, held by its pidfd until it is reaped: signals go through the
 * pidfd (never to a recycled pid), and its exit is reported by the one {@link Watcher} thread
 * that waits for all children, not by a thread per process. The exit status is as the JDK
 * reports one: the exit code, or 128 + the signal that ended it.
 *
 * <p>A process an earlier daemon started ({@link #adopt}) is watched the same way (a pidfd
 * becomes readable when its process ends, child or not), where {@code ProcessHandle.onExit}
 * would poll it from a thread of its own; its exit status is unknown ({@link #UNKNOWN}).
 */
public final class Child {
    /** The exit status of a process that was not our child: only its parent can learn it. */
    public static final int UNKNOWN = -1;

    private final long pid;
    private final int pidfd;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean reaped = new AtomicBoolean();

    private Child(long pid, int pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    /** Takes over {@code pidfd} and hands it to the watcher. */
    static Child watch(long pid, int pidfd) {
        Child c = new Child(pid, pidfd);
        Watcher.INSTANCE.add(c);
        return c;
    }

    /** Watches a process an earlier daemon started, if it is alive; its exit status will be {@link #UNKNOWN}. */
    static java.util.Optional<Child> adopt(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) return java.util.Optional.empty();
        int fd = Posix.pidfdOpen(pid);
        if (fd < 0) return java.util.Optional.empty(); // ESRCH: gone already
        return java.util.Optional.of(watch(pid, fd));
    }

    public long pid() {
        return pid;
    }

    public CompletableFuture<Integer> onExit() {
        return exit;
    }

    public boolean isAlive() {
        return !exit.isDone();
    }

    /** The exit status; waits at most {@code ms} milliseconds, then empty. */
    public java.util.Optional<Integer> waitFor(long ms) throws InterruptedException {
        try {
            return java.util.Optional.of(exit.get(ms, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return java.util.Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Sends {@code signal} unless the child has been reaped; a child that has already exited ignores it. */
    public void signal(int signal) {
        synchronized (this) {
            if (reaped.get()) return;
            Posix.pidfdSendSignal(pidfd, signal);
        }
    }

    private void reaped(int status) {
        synchronized (this) {
            reaped.set(true);
            Posix.close(pidfd);
        }
        exit.complete(status);
    }

    /** One platform thread for all children: epoll on their pidfds, waitid(P_PIDFD) when one becomes readable. */
    static final class Watcher {
        static final Watcher INSTANCE = new Watcher();
        private static final int BATCH = 64;
        private static final int ECHILD = dev.tollgate.libc.Errno.ECHILD.number();
        private final int epfd = Posix.epollCreate();
        private final ConcurrentHashMap<Integer, Child> byFd = new ConcurrentHashMap<>();

        private Watcher() {
            Thread.ofPlatform().daemon().name("child-exits").start(this::loop);
        }

        void add(Child c) {
            byFd.put(c.pidfd, c);
            int rc = Posix.epollAdd(epfd, c.pidfd);
            if (rc != 0) {
                byFd.remove(c.pidfd);
                throw new IllegalStateException("cannot watch pid " + c.pid + ": epoll_ctl errno " + rc);
            }
        }

        private void loop() {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                var events = Posix.epollEvents(arena, BATCH);
                var state = Posix.callState(arena);
                while (true) {
                    int n = Posix.epollWait(epfd, events, BATCH, state);
                    for (int i = 0; i < n; i++) {
                        Child c = byFd.remove(Posix.epollEventFd(events, i));
                        if (c == null) continue;
                        // Out of the epoll set before the close: a child being spawned meanwhile holds a
                        // copy of this pidfd until its exec, which would keep the closed one in the set,
                        // readable for ever; its next event would name the fd number's next owner, a
                        // live child, and waitid on that would block this thread (and every exit) until
                        // that child ended.
                        Posix.epollDel(epfd, c.pidfd);
                        int status = Posix.reap(c.pidfd);
                        // ECHILD: not our child (adopted), which its own parent reaps.
                        c.reaped(status == -ECHILD ? UNKNOWN : status < 0 ? 255 : status);
                    }
                }
            } catch (RuntimeException e) {
                Log.error("the child-exit watcher stopped: %s", e);
                throw e;
            }
        }
    }
}
