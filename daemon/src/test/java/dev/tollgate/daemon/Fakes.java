package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.Signals;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Fakes of the layers under the lifecycle, for tests without root: processes that die when the
 * test (or their nature) says so, cgroups that hold those processes, a datapath that can refuse,
 * and a clock that moves only when the test advances it. Everything runs on the test's thread.
 */
final class Fakes {
    private Fakes() {}

    /** What a fake process does with a signal. */
    enum Nature {
        /** Dies of SIGTERM (and anything else fatal). */
        DIES_ON_TERM,
        /** Ignores SIGTERM; only SIGKILL ends it. */
        IGNORES_TERM
    }

    static final class FakeProcess implements ProcessLauncher.Process {
        final long pid;
        final Path cgroup;
        final String executable;
        final Nature nature;
        final List<Integer> signals = new ArrayList<>();
        final CompletableFuture<Optional<Integer>> exit = new CompletableFuture<>();
        private final Optional<Integer> statusOnExit;

        FakeProcess(long pid, Path cgroup, String executable, Nature nature, boolean statusKnown) {
            this.pid = pid;
            this.cgroup = cgroup;
            this.executable = executable;
            this.nature = nature;
            this.statusOnExit = statusKnown ? Optional.of(0) : Optional.empty();
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public CompletableFuture<Optional<Integer>> onExit() {
            return exit;
        }

        @Override
        public boolean isAlive() {
            return !exit.isDone();
        }

        @Override
        public void signal(int signal) {
            if (!isAlive()) return;
            signals.add(signal);
            if (signal == Signals.SIGKILL || (signal != Signals.SIGCONT && nature == Nature.DIES_ON_TERM)) {
                exitWith(128 + signal);
            }
        }

        /** The process ends with a wait status as the JDK reports it (code, or 128 + signal). */
        void exitWith(int status) {
            exit.complete(statusOnExit.isPresent() ? Optional.of(status) : Optional.empty());
        }
    }

    /** What launching an executable gives. */
    sealed interface Script {
        /** Runs until it is signalled (or the test ends it). */
        record Runs(Nature nature) implements Script {}

        /** Exits at once with this status. */
        record Exits(int status) implements Script {}

        /** Fails before its command runs, with systemd's status for that step. */
        record FailsBeforeExec(int status, String why) implements Script {}

        /** The spawn itself throws. */
        record SpawnThrows(String message) implements Script {}
    }

    static final class Launcher implements ProcessLauncher {
        final Map<String, Script> scripts = new HashMap<>();
        final List<Spawner.Request> launched = new ArrayList<>();
        final List<FakeProcess> processes = new ArrayList<>();
        final Map<Long, FakeProcess> adoptable = new HashMap<>();
        final List<String> pidSignals = new ArrayList<>();
        long nextPid = 1000;

        @Override
        public Launch launch(Spawner.Request r) throws IOException {
            launched.add(r);
            Script s = scripts.getOrDefault(r.executable(), new Script.Runs(Nature.DIES_ON_TERM));
            return switch (s) {
                case Script.SpawnThrows t -> throw new IOException(t.message());
                case Script.FailsBeforeExec f -> new Launch.Failed(f.status(), f.why(), ++nextPid);
                case Script.Exits e -> {
                    FakeProcess p = new FakeProcess(++nextPid, r.cgroup(), r.executable(), Nature.DIES_ON_TERM, true);
                    processes.add(p);
                    p.exitWith(e.status());
                    yield new Launch.Started(p);
                }
                case Script.Runs run -> {
                    FakeProcess p = new FakeProcess(++nextPid, r.cgroup(), r.executable(), run.nature(), true);
                    processes.add(p);
                    yield new Launch.Started(p);
                }
            };
        }

        /** A process a previous daemon left in {@code cgroup}, whose exit status will be unknown. */
        FakeProcess leftRunning(long pid, Path cgroup) {
            FakeProcess p = new FakeProcess(pid, cgroup, "left", Nature.DIES_ON_TERM, false);
            adoptable.put(pid, p);
            processes.add(p);
            return p;
        }

        @Override
        public Optional<Process> adopt(long pid) {
            return Optional.<Process>ofNullable(adoptable.get(pid)).filter(Process::isAlive);
        }

        @Override
        public void signal(long pid, int signal) {
            pidSignals.add(pid + ":" + signal);
            processes.stream().filter(p -> p.pid == pid).forEach(p -> p.signal(signal));
        }

        List<FakeProcess> alive(Path cgroup) {
            return processes.stream().filter(p -> p.isAlive() && p.cgroup.equals(cgroup)).toList();
        }

        FakeProcess last(String executable) {
            return processes.reversed().stream().filter(p -> p.executable.equals(executable)).findFirst().orElseThrow();
        }

        long count(String executable) {
            return launched.stream().filter(r -> r.executable().equals(executable)).count();
        }
    }

    static final class Cgroups implements CgroupOps {
        final Launcher processes;
        final Path mount = Path.of("/fake-cgroup");
        final Set<Path> existing = new HashSet<>();
        final Set<String> refuseCreate = new HashSet<>();
        final List<String> removed = new ArrayList<>();
        final List<String> signalled = new ArrayList<>();
        /** How often a cgroup's processes were read (what a query pays per unit it shows). */
        int processReads;
        /** Cgroups watched until empty (adoption without a main pid), and what to call. */
        final Map<Path, Runnable> watchers = new HashMap<>();

        Cgroups(Launcher processes) {
            this.processes = processes;
        }

        Path dir(UnitConfig c) {
            return switch (c) {
                case ServiceConfig s -> mount.resolve(s.slice().id()).resolve(s.name().id());
                case SliceConfig s -> mount.resolve(s.name().id());
                default -> throw new IllegalArgumentException(c.name().id());
            };
        }

        @Override
        public UnitCgroup of(UnitConfig unit) {
            Path dir = dir(unit);
            String name = unit.name().id();
            return new UnitCgroup() {
                @Override
                public Path directory() {
                    return dir;
                }

                @Override
                public String controlGroup() {
                    return "/" + mount.relativize(dir);
                }

                @Override
                public boolean exists() {
                    return existing.contains(dir);
                }

                @Override
                public void create() throws CgroupException {
                    if (refuseCreate.contains(name)) throw refused();
                    // As mkdir -p: the slices above come with it.
                    for (Path d = dir; d.startsWith(mount) && !d.equals(mount); d = d.getParent()) existing.add(d);
                }

                @Override
                public boolean isPopulated() {
                    return !processes.alive(dir).isEmpty();
                }

                @Override
                public List<Long> processes() {
                    processReads++;
                    return processes.alive(dir).stream().map(FakeProcess::pid).toList();
                }

                @Override
                public Set<Long> signal(int signal) {
                    signalled.add(name + ":" + signal);
                    Set<Long> pids = new HashSet<>();
                    for (FakeProcess p : processes.alive(dir)) {
                        pids.add(p.pid);
                        p.signal(signal);
                    }
                    return pids;
                }

                @Override
                public boolean awaitEmpty(Duration timeout) {
                    // The fake's time does not pass: what did not die of the signal never will.
                    return processes.alive(dir).isEmpty();
                }

                @Override
                public void kill() {
                    for (FakeProcess p : processes.alive(dir)) p.signal(Signals.SIGKILL);
                }

                @Override
                public void remove() {
                    existing.remove(dir);
                    removed.add(name);
                }

                @Override
                public void delegateTo(int uid, int gid) {
                }

                @Override
                public AutoCloseable watchUntilEmpty(Runnable onEmpty) {
                    // As cgroup.events tells it: once, when the last process leaves, at once if none is left.
                    Runnable once = new Runnable() {
                        @Override
                        public void run() {
                            if (watchers.remove(dir, this)) onEmpty.run();
                        }
                    };
                    watchers.put(dir, once);
                    List<FakeProcess> alive = processes.alive(dir);
                    if (alive.isEmpty()) once.run();
                    for (FakeProcess p : alive) p.exit.thenRun(() -> {
                        if (processes.alive(dir).isEmpty()) once.run();
                    });
                    return () -> watchers.remove(dir, once);
                }
            };
        }

        @Override
        public boolean contains(UnitCgroup cgroup, long pid) {
            return processes.processes.stream().anyMatch(p -> p.pid == pid && p.cgroup.equals(cgroup.directory()));
        }
    }

    static final class FakeDatapath implements Datapath {
        boolean available = true;
        String offReason = "cgroup BPF is unavailable (fake)";
        final Set<String> refuse = new HashSet<>();
        RuntimeException failNextUpdate;
        final Map<String, UnitPolicy> units = new LinkedHashMap<>();
        final List<String> log = new ArrayList<>();
        final Set<String> pinned = new HashSet<>();
        CounterSums counters = new CounterSums(1, 2, 3, 4, 0, 0, 0, 0);
        /** Blocks update() until released (a slow reload). */
        CompletableFuture<Void> updateGate = CompletableFuture.completedFuture(null);
        /** Completed when an update() has begun (and may be held at the gate). */
        final CompletableFuture<Void> updateEntered = new CompletableFuture<>();

        @Override
        public boolean available() {
            return available;
        }

        @Override
        public String offReason() {
            return offReason;
        }

        @Override
        public void start(UnitPolicy policy) {
            log.add("start " + policy.unit());
            if (refuse.contains(policy.unit())) throw new IllegalStateException("BPF_PROG_LOAD failed (fake)");
            units.put(policy.unit(), policy);
        }

        @Override
        public void update(UnitPolicy policy) {
            updateEntered.complete(null);
            updateGate.join();
            log.add("update " + policy.unit());
            if (failNextUpdate != null) {
                RuntimeException e = failNextUpdate;
                failNextUpdate = null;
                throw e;
            }
            units.put(policy.unit(), policy);
        }

        @Override
        public boolean adopt(UnitPolicy policy) {
            log.add("adopt " + policy.unit());
            if (!pinned.contains(policy.unit())) return false;
            units.put(policy.unit(), policy);
            return true;
        }

        @Override
        public Optional<CounterSums> stop(String unit) {
            log.add("stop " + unit);
            return units.remove(unit) == null ? Optional.empty() : Optional.of(counters);
        }

        @Override
        public Optional<UnitPolicy> applied(String unit) {
            return Optional.ofNullable(units.get(unit));
        }

        @Override
        public Optional<CounterSums> unitCounters(String unit) {
            return units.containsKey(unit) ? Optional.of(counters) : Optional.empty();
        }

        @Override
        public Optional<CounterSums> sliceCounters(String slice) {
            return Optional.empty();
        }

        @Override
        public Map<String, CounterSums> allCounters() {
            Map<String, CounterSums> all = new LinkedHashMap<>();
            units.keySet().forEach(u -> all.put(u, counters));
            return all;
        }

        @Override
        public void retainSlices(Set<String> accounted) {
        }

        @Override
        public List<String> removeStale(Set<String> running) {
            List<String> gone = pinned.stream().filter(u -> !running.contains(u)).sorted().toList();
            pinned.removeAll(gone);
            return gone;
        }

        @Override
        public String modeName() {
            return available ? "link" : "none";
        }
    }

    /** A clock that moves only when the test advances it; due timers then run in order. */
    static final class Clock implements Timers {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");
        private final List<Object[]> pending = new ArrayList<>();

        @Override
        public Timer schedule(Duration after, Runnable task) {
            Object[] t = {now.plus(after), task, false};
            pending.add(t);
            return () -> t[2] = true;
        }

        @Override
        public Instant now() {
            return now;
        }

        /** Moves the clock on, running each timer that falls due. */
        void advance(Duration d) {
            Instant until = now.plus(d);
            while (true) {
                Object[] next = pending.stream().filter(t -> !(Boolean) t[2] && !((Instant) t[0]).isAfter(until))
                        .min(Comparator.comparing(t -> (Instant) t[0])).orElse(null);
                if (next == null) break;
                pending.remove(next);
                now = (Instant) next[0];
                ((Runnable) next[1]).run();
            }
            now = until;
        }

        long armed() {
            return pending.stream().filter(t -> !(Boolean) t[2]).count();
        }

        @Override
        public void close() {
        }
    }

    /** Every interface name is known, with index 7 (restrict-interfaces without a network namespace). */
    static final PolicyBuilder.InterfaceResolver INTERFACES = new PolicyBuilder.InterfaceResolver() {
        @Override
        public OptionalInt indexOf(String name) {
            return OptionalInt.of(7);
        }

        @Override
        public void unknown(String level, String name) {
        }
    };

    /** A real CgroupException, from a mkdir under a path that is no directory (the kernel's ENOTDIR). */
    static CgroupException refused() {
        try {
            Path file = java.nio.file.Files.createTempFile("fake-cgroup", "");
            file.toFile().deleteOnExit();
            new dev.tollgate.cgroup.Cgroup(file, dev.tollgate.cgroup.CgroupPath.parse("/unit.service")).create();
            throw new AssertionError("mkdir under a file succeeded");
        } catch (CgroupException e) {
            return e;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
