package dev.tollgate.daemon;

import dev.tollgate.cgroup.Cgroup;
import dev.tollgate.cgroup.Cgroup2Mount;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.CgroupRoot;
import dev.tollgate.cgroup.CgroupWatcher;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Units' cgroups in cgroupfs under the daemon's root. */
final class KernelCgroups implements CgroupOps {
    private final CgroupRoot root;

    KernelCgroups(CgroupRoot root) {
        this.root = root;
    }

    Cgroup cgroup(UnitConfig c) {
        Placement where = switch (c) {
            case ServiceConfig s -> new Placement(s.name().id(), s.slice().id());
            case SliceConfig s -> new Placement(s.name().id(), null);
            default -> throw new IllegalArgumentException("no cgroup for " + c.name());
        };
        Cgroup known = placed.get(where);
        if (known != null) return known;
        Cgroup cg = where.slice() == null ? root.slice(where.unit()) : root.unit(where.unit(), where.slice());
        if (placed.size() > MAX_PLACED) placed.clear(); // transient units come and go by name
        placed.put(where, cg);
        return cg;
    }

    /**
     * A unit's cgroup by its name and slice, worked out once: a start, a stop and every query
     * ask for it several times, and resolving it spells, checks and joins its slice path.
     */
    private record Placement(String unit, String slice) {
        // Written out, as a record's would be: the generated ones are method handles spun at first
        // use by every thread that gets there meanwhile (a boot's job threads, each unit start).
        @Override
        public boolean equals(Object o) {
            return o instanceof Placement p && unit.equals(p.unit) && java.util.Objects.equals(slice, p.slice);
        }

        @Override
        public int hashCode() {
            return unit.hashCode() * 31 + java.util.Objects.hashCode(slice);
        }
    }

    private static final int MAX_PLACED = 1 << 16;
    private final Map<Placement, Cgroup> placed = new ConcurrentHashMap<>();

    @Override
    public UnitCgroup of(UnitConfig unit) {
        Cgroup cg = cgroup(unit);
        boolean isRoot = cg.equals(root.cgroup());
        return new UnitCgroup() {
            @Override
            public Path directory() {
                return cg.directory();
            }

            @Override
            public String controlGroup() {
                return "/" + root.cgroup().mountPoint().relativize(cg.directory());
            }

            @Override
            public boolean exists() {
                return cg.exists();
            }

            @Override
            public void create() throws CgroupException {
                cg.create();
            }

            @Override
            public boolean isPopulated() throws CgroupException {
                return cg.isPopulated();
            }

            @Override
            public List<Long> processes() throws CgroupException {
                return cg.subtreeProcesses();
            }

            @Override
            public Set<Long> signal(int signal) throws CgroupException {
                return cg.signal(signal, true);
            }

            @Override
            public boolean awaitEmpty(Duration timeout) throws CgroupException {
                return cg.awaitEmpty(timeout);
            }

            @Override
            public void kill() throws CgroupException {
                cg.kill();
            }

            @Override
            public void remove() throws CgroupException {
                // The root slice is the daemon's root: the daemon removes it at exit, not a stop.
                if (!isRoot) cg.remove();
            }

            @Override
            public void delegateTo(int uid, int gid) throws CgroupException {
                cg.delegateTo(uid, gid);
            }

            @Override
            public AutoCloseable watchUntilEmpty(Runnable onEmpty) throws CgroupException {
                // The first state is delivered on the watcher's thread and may come before watch()
                // returns: onEmpty is called once either way, and the subscription closed by
                // whichever of the two comes second (it was lost when the state came first).
                AtomicBoolean over = new AtomicBoolean();
                AtomicReference<CgroupWatcher.Subscription> sub = new AtomicReference<>();
                CgroupWatcher.Subscription s = cg.watch(events -> {
                    if (!events.populated() && over.compareAndSet(false, true)) {
                        CgroupWatcher.Subscription mine = sub.get();
                        if (mine != null) mine.close();
                        onEmpty.run();
                    }
                });
                sub.set(s);
                if (over.get()) s.close();
                return () -> {
                    over.set(true);
                    s.close();
                };
            }
        };
    }

    @Override
    public boolean contains(UnitCgroup cgroup, long pid) {
        try {
            String rel = Cgroup2Mount.cgroupOfProcess(pid).toString();
            Path dir = root.cgroup().mountPoint().resolve(rel.startsWith("/") ? rel.substring(1) : rel);
            return Cgroup2Mount.cgroupOfProcess(pid).startsWith(root.cgroup().path()) && dir.startsWith(cgroup.directory());
        } catch (CgroupException e) {
            return false;
        }
    }
}
