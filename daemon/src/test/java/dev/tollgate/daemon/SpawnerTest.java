package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.cgroup.Signals;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The spawn itself on this machine's C library (on glibc < 2.39 the held spawn, whose posix_spawn
 * calls run on reused threads that have earlier children alive): each process lands in its own
 * cgroup before it runs, threads are reused, and a spawn that cannot be moved is called off
 * before exec and leaves no process.
 */
@Privileged
@Timeout(120)
class SpawnerTest {
    private ScratchCgroup scratch;
    /** Added to by the callers of concurrentSpawnsEachLandInTheirOwnCgroup at once. */
    private final List<Child> started = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        scratch = ScratchCgroup.create("spawner");
        System.out.println("spawn method: " + Spawner.method());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (Child c : started) c.signal(Signals.SIGKILL);
            for (Child c : started) c.onExit().get();
        } finally {
            scratch.close();
        }
    }

    private Spawner.Request request(Path cgroup, String... argv) {
        return new Spawner.Request(cgroup, argv[0], List.of(argv), Map.of("PATH", Spawner.DEFAULT_PATH), null,
                Credentials.ROOT, new Spawner.Output.Null(), new Spawner.Output.Null());
    }

    private Child start(Path cgroup, String... argv) throws IOException {
        Spawner.Spawned s = Spawner.spawn(request(cgroup, argv));
        assertThat(s).as("spawn of %s", List.of(argv)).isInstanceOf(Spawner.Spawned.Started.class);
        Child c = ((Spawner.Spawned.Started) s).child();
        started.add(c);
        return c;
    }

    @Test
    void spawnsInARowFromOneCallerRunOnOneThreadAndEachLandsInItsCgroup() throws Exception {
        long threadsBefore = SpawnThreads.started();
        List<Child> row = new ArrayList<>();
        for (int i = 0; i < 6; i++) row.add(start(scratch.child("row" + i), "/bin/sleep", "3600"));
        for (int i = 0; i < row.size(); i++) assertOnlyIn(row.get(i), scratch.path().resolve("row" + i));
        if (!Spawner.method().startsWith("pidfd_spawn")) {
            assertThat(SpawnThreads.started() - threadsBefore).as("spawn threads started for 6 spawns in a row").isLessThanOrEqualTo(1);
            // One thread of ours is the parent of all six: each spawn after the first found its
            // child among that thread's live children.
            Set<Long> pids = new HashSet<>();
            for (Child c : row) pids.add(c.pid());
            assertThat(tasksChildren().stream().anyMatch(children -> children.containsAll(pids)))
                    .as("a thread that spawned all of %s", pids).isTrue();
        }
    }

    @Test
    void concurrentSpawnsEachLandInTheirOwnCgroup() throws Exception {
        int callers = 8, spawns = 48;
        long threadsBefore = SpawnThreads.started();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Child>> futures = new ArrayList<>();
            for (int i = 0; i < spawns; i++) {
                Path cg = scratch.child("c" + i);
                futures.add(pool.submit(() -> start(cg, "/bin/sleep", "3600")));
            }
            for (int i = 0; i < spawns; i++) assertOnlyIn(futures.get(i).get(), scratch.path().resolve("c" + i));
        } finally {
            pool.shutdown();
        }
        if (!Spawner.method().startsWith("pidfd_spawn")) {
            assertThat(SpawnThreads.started() - threadsBefore).as("spawn threads started for " + spawns + " spawns by " + callers + " callers")
                    .isLessThanOrEqualTo(callers);
        }
    }

    @Test
    void aSpawnThatCannotBeMovedIsCalledOffBeforeExecAndLeavesNoProcess() throws Exception {
        Path marker = Files.createTempFile("tollgate-spawner-", ".ran");
        Files.delete(marker);
        try {
            Spawner.Spawned s = Spawner.spawn(request(scratch.path().resolve("no-such-cgroup"), "/usr/bin/touch", marker.toString()));
            assertThat(s).isInstanceOf(Spawner.Spawned.Failed.class);
            Spawner.Spawned.Failed f = (Spawner.Spawned.Failed) s;
            assertThat(f.exitStatus()).as(f.why()).isEqualTo(Spawner.EXIT_CGROUP);
            assertThat(marker).as("the command did not run").doesNotExist();
            if (f.pid() > 0) assertThat(tasksChildren().stream().flatMap(Set::stream)).as("children of this JVM").doesNotContain(f.pid());
            // The spawn threads are not stuck: the next spawn works.
            assertOnlyIn(start(scratch.child("after"), "/bin/sleep", "3600"), scratch.path().resolve("after"));
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void aMissingCommandGives203AndLeavesNoProcess() throws Exception {
        Spawner.Spawned s = Spawner.spawn(request(scratch.child("missing"), "/nonexistent/tollgate-spawner-test"));
        assertThat(s).isInstanceOf(Spawner.Spawned.Failed.class);
        Spawner.Spawned.Failed f = (Spawner.Spawned.Failed) s;
        assertThat(f.exitStatus()).as(f.why()).isEqualTo(Spawner.EXIT_EXEC);
        assertThat(Files.readString(scratch.path().resolve("missing/cgroup.procs"))).isEmpty();
        if (f.pid() > 0) assertThat(tasksChildren().stream().flatMap(Set::stream)).doesNotContain(f.pid());
    }

    /**
     * A process this JVM did not spawn (as after a daemon restart: the services' parent is
     * init) is watched by its pidfd: signalled through it, its end seen, its status unknown.
     */
    @Test
    void anAdoptedProcessIsWatchedByItsPidfd() throws Exception {
        Process sh = new ProcessBuilder("/bin/sh", "-c", "/bin/sleep 3600 >/dev/null 2>&1 & echo $!").start();
        long pid = Long.parseLong(new String(sh.getInputStream().readAllBytes()).strip());
        assertThat(sh.waitFor()).isZero();
        try {
            ProcessLauncher.Process p = new SpawnerLauncher().adopt(pid).orElseThrow();
            assertThat(p.isAlive()).isTrue();
            assertThat(tasksChildren().stream().flatMap(Set::stream)).as("not a child of this JVM").doesNotContain(pid);
            p.signal(Signals.SIGKILL);
            assertThat(p.onExit().get()).as("exit status of a process that is not our child").isEmpty();
            assertThat(p.isAlive()).isFalse();
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        long noSuchPid = (1 << 22) + 1; // above PID_MAX_LIMIT, the highest pid_max of 64-bit Linux
        assertThat(new SpawnerLauncher().adopt(noSuchPid).map(ProcessLauncher.Process::pid)).as("adopting pid %d, which does not exist", noSuchPid).isEmpty();
    }

    private static void assertOnlyIn(Child c, Path cgroup) throws IOException, InterruptedException {
        assertThat(Files.readString(cgroup.resolve("cgroup.procs")).strip()).as("cgroup.procs of " + cgroup).isEqualTo(Long.toString(c.pid()));
        assertThat(awaitExec(c.pid())).startsWith("/bin/sleep\u0000");
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + c.pid() + "/fd"))) {
            assertThat(fds.map(f -> f.getFileName().toString()).sorted().toList()).as("fds of " + c.pid()).containsExactly("0", "1", "2");
        }
    }

    /**
     * The child's command line once its exec has set it up. posix_spawn returns when the
     * child's exec has replaced its memory (the vfork release), before exec has put the new
     * arguments in place: reading cmdline in between gives nothing (seen under load), and a
     * read before it the held child's (our own). Close-on-exec descriptors are closed before
     * the arguments are set up, so the fds checked after this are the new program's. Waits
     * for that step of exec, however long the machine takes.
     */
    private static String awaitExec(long pid) throws IOException, InterruptedException {
        Path cmdline = Path.of("/proc/" + pid + "/cmdline");
        String ours = Files.readString(Path.of("/proc/self/cmdline")); // a held child's, before its exec
        while (true) {
            String s = Files.readString(cmdline);
            if (!s.isEmpty() && !s.equals(ours)) return s;
            Thread.sleep(1);
        }
    }

    /** Each thread's children in this JVM. */
    private static List<Set<Long>> tasksChildren() throws IOException {
        List<Set<Long>> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                Set<Long> children = new HashSet<>();
                try {
                    for (String s : Files.readString(t.resolve("children")).trim().split(" ")) if (!s.isEmpty()) children.add(Long.parseLong(s));
                } catch (IOException threadEnded) {
                    continue;
                }
                out.add(children);
            }
        }
        return out;
    }
}
