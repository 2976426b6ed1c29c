package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Privileged
class CgroupWatcherTest {
    /**
     * How soon a change must be reported: a safety net for a busy machine, and still far below
     * the resync interval of an hour, so that in INOTIFY mode only inotify can make it.
     */
    static final Duration BOUND = Await.SAFETY_NET;

    ScratchRoot scratch;
    CgroupWatcher watcher;

    @BeforeEach
    void setUp() throws Exception {
        scratch = ScratchRoot.create();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (watcher != null) watcher.close();
        scratch.close();
        assertThat(scratch.root.exists()).isFalse();
    }

    CgroupWatcher start(CgroupWatcher.Mode mode) {
        // A resync interval of an hour: in INOTIFY mode every notification below came from inotify.
        watcher = CgroupWatcher.start(mode, Duration.ofMillis(50), Duration.ofHours(1));
        assertThat(watcher.mode()).isEqualTo(mode);
        return watcher;
    }

    @ParameterizedTest
    @EnumSource(CgroupWatcher.Mode.class)
    void reportsPopulatedWhenAProcessArrivesAndEmptyWhenItExits(CgroupWatcher.Mode mode) throws Exception {
        Cgroup svc = scratch.root.resolve(CgroupPath.ofUnit("watched.service")).create();
        BlockingQueue<CgroupEvents> seen = new LinkedBlockingQueue<>();
        try (CgroupWatcher.Subscription sub = start(mode).subscribe(svc, seen::add)) {
            assertThat(next(seen)).isEqualTo(CgroupEvents.EMPTY); // the current state first

            Process p = scratch.sleepIn(svc);
            assertThat(next(seen)).isEqualTo(new CgroupEvents(true, false));

            p.destroyForcibly();
            assertThat(next(seen)).isEqualTo(CgroupEvents.EMPTY);
            assertThat(sub.active()).isTrue();
        }
        assertThat(seen).isEmpty();
    }

    @Test
    void aDescendantsProcessPopulatesTheAncestorsToo() throws Exception {
        Cgroup slice = scratch.root.resolve(CgroupPath.ofSlice("deep-er.slice")).create();
        Cgroup svc = slice.child("x.service").create();
        BlockingQueue<CgroupEvents> atTop = new LinkedBlockingQueue<>();
        start(CgroupWatcher.Mode.INOTIFY).subscribe(scratch.root, atTop::add);
        assertThat(next(atTop).populated()).isFalse();
        Process p = scratch.sleepIn(svc);
        assertThat(next(atTop).populated()).isTrue();
        p.destroyForcibly();
        assertThat(next(atTop).populated()).isFalse();
    }

    @Test
    void reportsFrozen() throws Exception {
        Cgroup svc = scratch.root.child("f.service").create();
        scratch.sleepIn(svc);
        BlockingQueue<CgroupEvents> seen = new LinkedBlockingQueue<>();
        start(CgroupWatcher.Mode.INOTIFY).subscribe(svc, seen::add);
        assertThat(next(seen)).isEqualTo(new CgroupEvents(true, false));
        svc.setFrozen(true);
        assertThat(next(seen)).isEqualTo(new CgroupEvents(true, true));
        svc.setFrozen(false);
        assertThat(next(seen)).isEqualTo(new CgroupEvents(true, false));
    }

    @Test
    void removalEndsTheSubscription() throws Exception {
        Cgroup svc = scratch.root.child("r.service").create();
        Process p = scratch.sleepIn(svc);
        BlockingQueue<CgroupEvents> seen = new LinkedBlockingQueue<>();
        // kernfs sends no inotify event when a watched cgroup directory is removed: the resync notices.
        watcher = CgroupWatcher.start(CgroupWatcher.Mode.INOTIFY, Duration.ofMillis(50), Duration.ofMillis(200));
        CgroupWatcher.Subscription sub = watcher.subscribe(svc, seen::add);
        assertThat(next(seen).populated()).isTrue();
        p.destroyForcibly();
        assertThat(next(seen).populated()).isFalse();
        svc.remove();
        Await.until("the resync to end the subscription of the removed cgroup", () -> !sub.active());
        assertThat(seen).isEmpty(); // it had already seen the cgroup empty
    }

    @Test
    void closedSubscriptionsHearNothingAndOthersOnTheSameCgroupStillDo() throws Exception {
        Cgroup svc = scratch.root.child("c.service").create();
        BlockingQueue<CgroupEvents> first = new LinkedBlockingQueue<>();
        BlockingQueue<CgroupEvents> second = new LinkedBlockingQueue<>();
        CgroupWatcher w = start(CgroupWatcher.Mode.INOTIFY);
        CgroupWatcher.Subscription s1 = w.subscribe(svc, first::add);
        CgroupWatcher.Subscription s2 = w.subscribe(svc, second::add);
        next(first);
        next(second);
        s1.close();
        s1.close(); // idempotent
        assertThat(s1.active()).isFalse();
        scratch.sleepIn(svc);
        assertThat(next(second).populated()).isTrue();
        assertThat(first.poll(200, TimeUnit.MILLISECONDS)).isNull();
        s2.close();
    }

    @Test
    void aThrowingListenerDoesNotStopTheWatcher() throws Exception {
        Cgroup a = scratch.root.child("a.service").create();
        Cgroup b = scratch.root.child("b.service").create();
        CgroupWatcher w = start(CgroupWatcher.Mode.INOTIFY);
        w.subscribe(a, ev -> {
            throw new IllegalStateException("listener bug (expected by the test)");
        });
        BlockingQueue<CgroupEvents> seen = new LinkedBlockingQueue<>();
        w.subscribe(b, seen::add);
        next(seen);
        scratch.sleepIn(a);
        scratch.sleepIn(b);
        assertThat(next(seen).populated()).isTrue();
    }

    @Test
    void theSharedWatcherServesCgroupWatch() throws Exception {
        Cgroup svc = scratch.root.child("s.service").create();
        BlockingQueue<CgroupEvents> seen = new LinkedBlockingQueue<>();
        try (CgroupWatcher.Subscription sub = svc.watch(seen::add)) {
            assertThat(sub.cgroup()).isEqualTo(svc);
            assertThat(next(seen).populated()).isFalse();
            Process p = scratch.sleepIn(svc);
            assertThat(next(seen).populated()).isTrue();
            p.destroyForcibly();
            assertThat(next(seen).populated()).isFalse();
        }
        assertThat(CgroupWatcher.shared().mode()).isEqualTo(CgroupWatcher.Mode.INOTIFY);
    }

    @Test
    void watchingTheRootOrAMissingCgroupFailsClearly() {
        CgroupWatcher w = start(CgroupWatcher.Mode.POLL);
        assertThatThrownBy(() -> w.subscribe(scratch.mount.rootCgroup(), ev -> { }))
                .isInstanceOf(CgroupException.class).hasMessageContaining("root cgroup has none");
        assertThatThrownBy(() -> w.subscribe(scratch.root.child("missing"), ev -> { }))
                .isInstanceOf(CgroupException.class).hasMessageContaining("does not exist");
    }

    static CgroupEvents next(BlockingQueue<CgroupEvents> q) throws InterruptedException {
        CgroupEvents ev = q.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(ev).as("a cgroup.events notification within " + BOUND).isNotNull();
        return ev;
    }
}
