package dev.tollgate.daemon;

import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitFileDiagnostic;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSuffix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loading units and daemon-reload: reading unit files (off the loop when there are many), and
 * on the loop applying what was read: a running unit keeps its configuration until a reload
 * gives it a good one, and a broken file never replaces a running configuration.
 */
final class UnitLoading {
    /** A file read: the result and its errors, logged as read. */
    record Read(UnitName name, LoadResult result, List<UnitFileDiagnostic> errors) {}

    /** What a daemon-reload read, and which running units' programs it changes. */
    record ReloadPlan(List<UnitFileDiagnostic> errors, Map<UnitName, UnitPolicy> policyUpdates) {}

    private final UnitLoader loader;
    private final Units units;
    private final Datapath datapath;
    private final UnitPolicies policies;
    private final TransientFiles transientFiles;

    UnitLoading(UnitLoader loader, Units units, Datapath datapath, UnitPolicies policies, TransientFiles transientFiles) {
        this.loader = loader;
        this.units = units;
        this.datapath = datapath;
        this.policies = policies;
        this.transientFiles = transientFiles;
    }

    UnitLoader loader() {
        return loader;
    }

    /** Reads a unit's file (or a transient unit's text); any thread. */
    Read read(UnitName n, String transientText) {
        LoadResult r = transientText != null
                ? loader.loadTransient(n.id(), transientText, transientFiles.path(n.id()))
                : loader.load(n.id());
        List<UnitFileDiagnostic> out = new ArrayList<>();
        for (UnitFileDiagnostic d : r.diagnostics()) {
            switch (d.severity()) {
                case ERROR -> {
                    Log.error("%s", d);
                    out.add(d);
                }
                case WARNING -> Log.warning("%s", d);
                default -> Log.debug("%s", d);
            }
        }
        if (r instanceof LoadResult.Failed f) Log.error("%s: %s", n, f.reason());
        return new Read(n, r, out);
    }

    /** Loads one unit now, on the loop; a running unit keeps the configuration it runs with. */
    List<UnitFileDiagnostic> load(UnitRuntime u) {
        Read r = read(u.name, u.isTransient ? u.transientText : null);
        u.load = r.result();
        if (r.result() instanceof LoadResult.Loaded l && !u.isActiveOrActivating()) u.config = l.config();
        units.touched(u);
        return r.errors();
    }

    /** The unit files a load or reload reads: every service and slice on the search path, and the units known. */
    Map<UnitName, String> namesToRead(Iterable<UnitRuntime> known) {
        Map<UnitName, String> names = new LinkedHashMap<>();
        for (UnitName n : loader.unitFiles().keySet()) {
            if (!n.isTemplate() && (n.type() == UnitSuffix.SERVICE || n.type() == UnitSuffix.SLICE)) names.put(n, null);
        }
        for (UnitRuntime u : known) names.put(u.name, u.isTransient ? u.transientText : null);
        return names;
    }

    /**
     * Everything in {@code names}, in their order. Many are read on the caller's thread and the
     * common pool's together: at boot this is the daemon's one busy thread (a thousand unit
     * files: ~0.14 s of stats, reads and parsing), and the loader keeps no state between units.
     */
    List<Read> readAll(Map<UnitName, String> names) {
        if (names.size() < PARALLEL_READ_MIN) {
            List<Read> out = new ArrayList<>(names.size());
            names.forEach((n, text) -> out.add(read(n, text)));
            return out;
        }
        return new ArrayList<>(names.entrySet().parallelStream().map(e -> read(e.getKey(), e.getValue())).toList());
    }

    /** Fewer unit files than this are read on the caller's thread alone. */
    private static final int PARALLEL_READ_MIN = 64;

    /** Boot: the units read, applied on the loop, and the slices they live in. */
    List<UnitFileDiagnostic> applyInitial(List<Read> reads) {
        List<UnitFileDiagnostic> problems = new ArrayList<>();
        for (Read r : reads) {
            UnitRuntime u = units.getOrCreate(r.name());
            u.load = r.result();
            if (r.result() instanceof LoadResult.Loaded l && !u.isActiveOrActivating()) u.config = l.config();
            units.touched(u);
            problems.addAll(r.errors());
        }
        ensureSlices();
        return problems;
    }

    /**
     * daemon-reload on the loop: the new configurations, a broken file keeping the running one,
     * and for running units with programs the new policies to apply (by their jobs).
     */
    ReloadPlan applyReload(List<Read> reads) {
        List<UnitFileDiagnostic> errors = new ArrayList<>();
        Map<UnitName, UnitConfig> before = new LinkedHashMap<>();
        for (UnitRuntime u : units.all()) before.put(u.name, u.config);
        for (Read r : reads) {
            UnitRuntime u = units.getOrCreate(r.name());
            errors.addAll(r.errors());
            u.load = r.result();
            if (u.load instanceof LoadResult.Loaded l) {
                u.config = l.config();
            } else if (u.config != null && !(u.load instanceof LoadResult.Failed) && !u.isActiveOrActivating()
                    && !(u.config instanceof SliceConfig && u.load instanceof LoadResult.NotFound)) {
                u.config = null;
            }
            if (u.config == null && u.name.type() == UnitSuffix.SLICE && u.load instanceof LoadResult.NotFound) {
                u.config = Units.implicitSlice(u.name);
            }
            units.touched(u);
            units.tell(u);
        }
        ensureSlices();
        Map<UnitName, UnitPolicy> updates = new LinkedHashMap<>();
        for (UnitRuntime u : units.all()) {
            if (!(u.config instanceof ServiceConfig) || !u.isActiveOrActivating() || !u.hasDatapath) continue;
            if (before.get(u.name) == null) continue;
            UnitPolicy next = policies.of(u.config, units.sliceChain(u.config));
            if (!next.equals(datapath.applied(u.name.id()).orElse(null))) updates.put(u.name, next);
        }
        return new ReloadPlan(errors, updates);
    }

    /** Every slice a loaded unit lives in exists, implicitly if it has no file (as systemd's). */
    void ensureSlices() {
        for (UnitRuntime u : units.all()) {
            UnitConfig c = u.config;
            Optional<UnitName> s = c == null ? Optional.empty() : c.parentSlice();
            while (s.isPresent()) {
                UnitRuntime slice = units.get(s.get());
                if (slice == null) {
                    slice = units.getOrCreate(s.get());
                    load(slice);
                    if (slice.load instanceof LoadResult.NotFound) slice.config = Units.implicitSlice(s.get());
                }
                s = slice.config == null ? Optional.empty() : slice.config.parentSlice();
            }
        }
        if (datapath.available()) {
            Set<String> accounted = new HashSet<>();
            for (UnitRuntime u : units.all()) {
                if (u.config instanceof SliceConfig sc && sc.resources().ipAccounting()) accounted.add(sc.name().id());
            }
            datapath.retainSlices(accounted);
        }
    }

    /** The named unit, loaded now if it is not yet; refused if masked, broken or without a file. On the loop. */
    UnitRuntime loadedUnit(String name) {
        UnitName n = UnitName.parse(name.contains(".") ? name : name + ".service")
                .orElseThrow(() -> new ManagerException(ManagerException.Kind.BAD_REQUEST, name, "Unit name " + name + " is not valid."));
        UnitRuntime u = units.get(n);
        if (u == null) {
            u = units.getOrCreate(n);
            load(u);
            ensureSlices();
        }
        if (u.load instanceof LoadResult.Masked) {
            throw new ManagerException(ManagerException.Kind.UNIT_MASKED, n.id(), "Unit " + n + " is masked.");
        }
        if (u.config == null) {
            if (u.load instanceof LoadResult.Failed f) {
                // A unit with a bad setting stays listed (load state bad-setting), as in systemd.
                throw new ManagerException(ManagerException.Kind.INVALID_UNIT, n.id(), f.reason(), null, f.diagnostics());
            }
            if (!u.isTransient && u.state == ServiceState.DEAD) units.remove(u);
            throw new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, n.id(), "Unit " + n + " not found.");
        }
        return u;
    }

    /**
     * A unit that has a file but is not loaded, read on its own and not kept; empty otherwise.
     * Queries are open to every local user: keeping what they mention would let anyone grow the
     * daemon without bound, and systemd likewise collects an inactive unit nothing refers to.
     */
    Optional<UnitRecord> loadForQuery(String name) {
        Optional<UnitName> parsed = UnitName.parse(name.contains(".") ? name : name + ".service");
        if (parsed.isEmpty() || parsed.get().isTemplate()
                || (parsed.get().type() != UnitSuffix.SERVICE && parsed.get().type() != UnitSuffix.SLICE)) {
            return Optional.empty();
        }
        LoadResult r = read(parsed.get(), null).result();
        boolean hasFile = switch (r) {
            case LoadResult.Loaded l -> l.config().sources().fragment().isPresent();
            case LoadResult.Masked m -> true;
            case LoadResult.Failed f -> true;
            case null, default -> false;
        };
        if (!hasFile) return Optional.empty();
        UnitConfig config = r instanceof LoadResult.Loaded l ? l.config() : null;
        return Optional.of(new UnitRecord(parsed.get(), r, config, ServiceState.DEAD, ServiceResult.SUCCESS, 0, null,
                null, 0, null, null, "", "", null, false, false, null));
    }
}
