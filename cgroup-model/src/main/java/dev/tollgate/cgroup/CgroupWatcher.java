package dev.tollgate.cgroup;

import dev.tollgate.libc.Errno;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Tells listeners when a cgroup's {@code cgroup.events} changes — above all when
 * {@code populated} drops to 0, i.e. the last process of a unit is gone.
 *
 * <p>The kernel signals each change of {@code cgroup.events} as a file modification, and inotify
 * sees it on kernfs: a watch on the cgroup's directory (what {@link WatchService} sets up on
 * Linux) reports {@code ENTRY_MODIFY} for {@code cgroup.events} (checked on 6.x by this module's
 * tests). In {@link Mode#INOTIFY} one inotify instance serves every subscription; each event
 * only prompts a re-read of the file, and every {@code resyncInterval} all subscriptions are
 * re-read anyway, so a lost event (queue overflow) delays a notification but never loses it.
 * {@link Mode#POLL} re-reads every {@code pollInterval} instead — the fallback where inotify is
 * unavailable (no instance left: {@code fs.inotify.max_user_instances}); a single cgroup whose
 * watch cannot be added (watch limit) is polled in either mode.
 *
 * <p>Listeners run one at a time on the watcher's thread, in order, and must not block.
 */
public final class CgroupWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CgroupWatcher.class.getName());

    public enum Mode { INOTIFY, POLL }

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofSeconds(2);

    /** A listener's registration; {@link #close()} ends it (idempotent). */
    public interface Subscription extends AutoCloseable {
        Cgroup cgroup();

        /** False once closed, or once the cgroup was removed. */
        boolean active();

        @Override
        void close();
    }

    private final Mode mode;
    private final long pollNanos;
    private final long resyncNanos;
    private final WatchService watchService; // null in POLL mode
    private final ScheduledExecutorService dispatcher;
    private final Thread pump; // null in POLL mode
    private final Object lock = new Object();
    private final Map<WatchKey, List<Sub>> byKey = new HashMap<>();
    private final Set<Sub> subs = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private long lastResync = System.nanoTime();

    private CgroupWatcher(Mode mode, Duration pollInterval, Duration resyncInterval, WatchService ws) {
        this.mode = mode;
        this.pollNanos = pollInterval.toNanos();
        this.resyncNanos = resyncInterval.toNanos();
        this.watchService = ws;
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-cgroup-events");
            t.setDaemon(true);
            return t;
        });
        dispatcher.scheduleWithFixedDelay(this::tick, pollNanos, pollNanos, TimeUnit.NANOSECONDS);
        if (ws != null) {
            pump = new Thread(this::pump, "tollgate-cgroup-inotify");
            pump.setDaemon(true);
            pump.start();
        } else {
            pump = null;
        }
    }

    /** Inotify where it is available, polling otherwise; default intervals. */
    public static CgroupWatcher start() {
        return start(Mode.INOTIFY, DEFAULT_POLL_INTERVAL, DEFAULT_RESYNC_INTERVAL);
    }

    /**
     * @param mode {@link Mode#INOTIFY} falls back to polling if no inotify instance can be had
     * @param pollInterval how often polled cgroups are re-read
     * @param resyncInterval how often, in inotify mode, every cgroup is re-read regardless
     */
    public static CgroupWatcher start(Mode mode, Duration pollInterval, Duration resyncInterval) {
        if (pollInterval.isNegative() || pollInterval.isZero()) throw new IllegalArgumentException("poll interval must be positive");
        WatchService ws = null;
        Mode effective = mode;
        if (mode == Mode.INOTIFY) {
            try {
                ws = FileSystems.getDefault().newWatchService();
            } catch (IOException | UnsupportedOperationException e) {
                LOG.log(Level.WARNING, "no inotify instance for cgroup events, polling every "
                        + pollInterval.toMillis() + " ms instead: " + e);
                effective = Mode.POLL;
            }
        }
        return new CgroupWatcher(effective, pollInterval, resyncInterval, ws);
    }

    private static final class Shared {
        static final CgroupWatcher INSTANCE = start();
    }

    /** One watcher for the whole process, started on first use and never closed. */
    public static CgroupWatcher shared() {
        return Shared.INSTANCE;
    }

    /** The mode in effect (INOTIFY may have fallen back to POLL). */
    public Mode mode() {
        return mode;
    }

    /**
     * Calls {@code listener} with the cgroup's current state, then with each new state whenever
     * {@code populated} or {@code frozen} changes. Quick successive changes may arrive as one
     * (the latest state): a listener sees states, not every edge. When the cgroup is removed the
     * subscription ends, after a last call with {@link CgroupEvents#EMPTY} if the listener had not
     * yet seen it empty (a cgroup can only be removed once empty). kernfs sends no inotify event
     * for the removal of a watched directory, so this happens at the next resync (or poll).
     *
     * @throws CgroupException if the cgroup has no {@code cgroup.events} (does not exist, or is the root)
     */
    public Subscription subscribe(Cgroup cgroup, Consumer<CgroupEvents> listener) throws CgroupException {
        if (closed) throw new IllegalStateException("watcher is closed");
        Path events = cgroup.file("cgroup.events");
        if (!Files.exists(events)) {
            throw CgroupException.errno("watch", events, Errno.ENOENT.number(),
                    cgroup.exists() ? "this cgroup has no cgroup.events (the root cgroup has none)" : "the cgroup does not exist");
        }
        Sub sub = new Sub(cgroup, events, listener);
        if (watchService != null) {
            // Under the lock: registering a watched directory again returns its existing key,
            // which a concurrent close() of the last other subscription must not cancel meanwhile.
            try {
                synchronized (lock) {
                    WatchKey key = cgroup.directory().register(watchService, StandardWatchEventKinds.ENTRY_MODIFY);
                    sub.key = key;
                    byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(sub);
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot watch " + cgroup + " with inotify, polling it: " + e);
            }
        }
        subs.add(sub);
        dispatch(() -> check(sub)); // the current state, delivered on the dispatcher like every other
        return sub;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Sub s : List.copyOf(subs)) s.close();
        dispatcher.shutdownNow();
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing watch service: " + e);
            }
        }
    }

    private void dispatch(Runnable r) {
        try {
            dispatcher.execute(r);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Moves inotify events to the dispatcher; runs on its own thread since WatchService blocks. */
    private void pump() {
        try {
            while (!closed) {
                WatchKey key = watchService.take();
                boolean relevant = false;
                for (WatchEvent<?> ev : key.pollEvents()) {
                    if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                        dispatch(this::checkAll);
                    } else if (ev.context() instanceof Path p && p.toString().equals("cgroup.events")) {
                        relevant = true;
                    }
                }
                boolean valid = key.reset();
                List<Sub> targets;
                synchronized (lock) {
                    targets = List.copyOf(byKey.getOrDefault(key, List.of()));
                    if (!valid) byKey.remove(key);
                }
                // An invalid key means the directory is gone: the re-read finds that out.
                if (relevant || !valid) dispatch(() -> targets.forEach(this::check));
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        }
    }

    private void tick() {
        long now = System.nanoTime();
        boolean resync = mode == Mode.POLL || now - lastResync >= resyncNanos;
        if (resync) lastResync = now;
        for (Sub s : subs) {
            if (resync || s.key == null) check(s);
        }
    }

    private void checkAll() {
        subs.forEach(this::check);
    }

    /** Re-reads one subscription's file and tells its listener if the state changed. Dispatcher thread only. */
    private void check(Sub s) {
        if (!s.active) return;
        CgroupEvents now;
        boolean gone = false;
        try {
            now = CgroupEvents.parse(Files.readString(s.events));
        } catch (NoSuchFileException e) {
            now = CgroupEvents.EMPTY;
            gone = true;
        } catch (IOException e) {
            // ENODEV while the cgroup is being removed reads like this; the next check decides.
            if (Files.exists(s.events)) {
                LOG.log(Level.DEBUG, "reading " + s.events + ": " + e);
                return;
            }
            now = CgroupEvents.EMPTY;
            gone = true;
        }
        if (!now.equals(s.last) && !(gone && s.last != null && !s.last.populated())) {
            s.last = now;
            try {
                s.listener.accept(now);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cgroup events listener for " + s.cgroup + " failed", e);
            }
        }
        if (gone) s.close();
    }

    private final class Sub implements Subscription {
        final Cgroup cgroup;
        final Path events;
        final Consumer<CgroupEvents> listener;
        volatile WatchKey key;
        volatile boolean active = true;
        CgroupEvents last; // dispatcher thread only

        Sub(Cgroup cgroup, Path events, Consumer<CgroupEvents> listener) {
            this.cgroup = cgroup;
            this.events = events;
            this.listener = listener;
        }

        @Override
        public Cgroup cgroup() {
            return cgroup;
        }

        @Override
        public boolean active() {
            return active;
        }

        @Override
        public void close() {
            if (!active) return;
            active = false;
            subs.remove(this);
            WatchKey k = key;
            if (k == null) return;
            synchronized (lock) {
                List<Sub> l = byKey.get(k);
                if (l != null) {
                    l.remove(this);
                    if (l.isEmpty()) {
                        byKey.remove(k);
                        k.cancel();
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "Subscription[" + cgroup + (active ? "" : ", closed") + "]";
        }
    }
}
