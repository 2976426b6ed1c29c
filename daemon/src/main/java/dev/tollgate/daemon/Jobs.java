package dev.tollgate.daemon;

import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSuffix;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Start, stop and restart jobs with their dependencies, on the loop: a start pulls in what the
 * unit requires and wants, ordered by After=/Before= and started one after another (a failed
 * requirement fails the job, a failed want is logged); a stop first stops the running units
 * that require the unit, and a slice's stop its members, at once.
 */
final class Jobs {
    private final Units units;
    private final UnitLoading loading;
    private final ServiceLifecycle lifecycle;
    private final CgroupOps cgroups;

    Jobs(Units units, UnitLoading loading, ServiceLifecycle lifecycle, CgroupOps cgroups) {
        this.units = units;
        this.loading = loading;
        this.lifecycle = lifecycle;
        this.cgroups = cgroups;
    }

    /** Starts a unit and what it requires and wants, in order; completes when the unit's start job has. */
    CompletableFuture<UnitRuntime> start(String name) {
        UnitRuntime u = loading.loadedUnit(name);
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (UnitRuntime dep : startOrder(u)) {
            boolean required = u.config.unit().requires().contains(dep.name);
            chain = chain.thenCompose(x -> startOne(dep).handle((v, e) -> {
                if (e == null) return null;
                Throwable why = e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e;
                if (required) {
                    throw new ManagerException(ManagerException.Kind.UNIT_FAILED, u.name.id(),
                            "Dependency failed for " + u.name + ": " + why.getMessage());
                }
                Log.warning("%s (wanted by %s) failed to start: %s", dep.name, u.name, why.getMessage());
                return null;
            }));
        }
        return chain.thenCompose(x -> startOne(u)).thenApply(x -> u);
    }

    private CompletableFuture<Void> startOne(UnitRuntime u) {
        if (u.config instanceof SliceConfig sc) {
            try {
                cgroups.of(sc).create();
            } catch (CgroupException e) {
                return CompletableFuture.failedFuture(new ManagerException(ManagerException.Kind.UNIT_FAILED, u.name.id(), e.getMessage()));
            }
            return CompletableFuture.completedFuture(null);
        }
        return lifecycle.start(u);
    }

    /** Requires= and Wants= of the unit, transitively, ordered by After=/Before= (dependencies first). */
    private List<UnitRuntime> startOrder(UnitRuntime root) {
        LinkedHashSet<UnitRuntime> closure = new LinkedHashSet<>();
        collect(root, closure, new HashSet<>());
        closure.remove(root);
        List<UnitRuntime> ordered = new ArrayList<>();
        Set<UnitRuntime> done = new HashSet<>();
        for (UnitRuntime u : closure) order(u, closure, done, new HashSet<>(), ordered);
        return ordered;
    }

    private void collect(UnitRuntime u, Set<UnitRuntime> out, Set<UnitName> seen) {
        if (!seen.add(u.name) || u.config == null) return;
        out.add(u);
        List<UnitName> deps = new ArrayList<>(u.config.unit().requires());
        deps.addAll(u.config.unit().wants());
        for (UnitName d : deps) {
            if (d.type() != UnitSuffix.SERVICE && d.type() != UnitSuffix.SLICE) continue;
            try {
                collect(loading.loadedUnit(d.id()), out, seen);
            } catch (ManagerException e) {
                Log.warning("%s: dependency %s: %s", u.name, d, e.getMessage());
            }
        }
    }

    private void order(UnitRuntime u, Set<UnitRuntime> within, Set<UnitRuntime> done, Set<UnitRuntime> visiting,
                       List<UnitRuntime> out) {
        if (done.contains(u)) return;
        if (!visiting.add(u)) {
            Log.warning("ordering cycle at %s; ignoring the rest of the cycle", u.name);
            return;
        }
        for (UnitRuntime other : within) {
            if (other == u) continue;
            boolean uAfterOther = u.config.unit().after().contains(other.name) || other.config.unit().before().contains(u.name);
            if (uAfterOther) order(other, within, done, visiting, out);
        }
        done.add(u);
        out.add(u);
    }

    /** Stops a unit, and first the running units that require it. */
    CompletableFuture<UnitRuntime> stop(String name) {
        UnitName n = UnitName.parse(name.contains(".") ? name : name + ".service").filter(x -> units.get(x) != null)
                .orElseThrow(() -> new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, name, "Unit " + name + " not loaded."));
        return stop(units.get(n), units.all());
    }

    /** Stops {@code u}, first what of {@code all} requires it; a slice's members share one list of the units (not one copy each). */
    private CompletableFuture<UnitRuntime> stop(UnitRuntime u, Collection<UnitRuntime> all) {
        UnitName n = u.name;
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (UnitRuntime other : all) {
            if (other != u && other.config != null && other.config.unit().requires().contains(n) && other.isActiveOrActivating()) {
                chain = chain.thenCompose(x -> lifecycle.stop(other));
            }
        }
        if (u.config instanceof SliceConfig sc) {
            return chain.thenCompose(x -> {
                // The members' stop jobs are independent: they run at once, as systemd runs them.
                List<CompletableFuture<UnitRuntime>> members = new ArrayList<>();
                Collection<UnitRuntime> now = units.all();
                for (UnitRuntime m : now) {
                    if (m.config != null && m.config.parentSlice().filter(n::equals).isPresent() && m.isActiveOrActivating()) {
                        members.add(stop(m, now).exceptionally(e -> {
                            Log.warning("%s: %s", m.name, e.getMessage());
                            return m;
                        }));
                    }
                }
                return CompletableFuture.allOf(members.toArray(CompletableFuture[]::new));
            }).thenApply(x -> {
                try {
                    cgroups.of(sc).remove();
                } catch (CgroupException e) {
                    Log.warning("%s: %s", n, e.getMessage());
                }
                return u;
            });
        }
        return chain.thenCompose(x -> lifecycle.stop(u)).thenApply(x -> u);
    }

    /** Stop if running, then start with the current unit file, as systemd's restart after daemon-reload. */
    CompletableFuture<UnitRuntime> restart(String name) {
        UnitRuntime u = loading.loadedUnit(name);
        CompletableFuture<Void> stopped = u.isActiveOrActivating() ? lifecycle.stop(u) : CompletableFuture.completedFuture(null);
        return stopped.thenCompose(x -> {
            if (u.load instanceof LoadResult.Loaded l) {
                u.config = l.config();
                units.touched(u);
            }
            return start(name);
        });
    }
}
