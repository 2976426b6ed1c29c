package dev.tollgate.daemon;

import dev.tollgate.api.ActiveState;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.UnitName;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Taking over what a previous tollgated left running (after a crash or an upgrade): the units
 * the state file names, and services whose cgroups are populated though the file does not name
 * them (a crash inside its write window), rather than starting them a second time.
 */
final class Adoption {
    private final Units units;
    private final UnitLoading loading;
    private final ServiceLifecycle lifecycle;
    private final CgroupOps cgroups;
    private final TransientFiles transientFiles;

    Adoption(Units units, UnitLoading loading, ServiceLifecycle lifecycle, CgroupOps cgroups, TransientFiles transientFiles) {
        this.units = units;
        this.loading = loading;
        this.lifecycle = lifecycle;
        this.cgroups = cgroups;
        this.transientFiles = transientFiles;
    }

    /** On the loop: every unit to take over, each adoption a job; completes when all are done. */
    CompletableFuture<Void> adopt(List<StateFile.Entry> fromFile) {
        List<StateFile.Entry> entries = new ArrayList<>(fromFile);
        Set<String> named = new HashSet<>();
        entries.forEach(e -> named.add(e.name()));
        for (UnitRuntime u : units.all()) {
            if (!(u.config instanceof ServiceConfig c) || named.contains(u.name.id())) continue;
            try {
                CgroupOps.UnitCgroup cg = cgroups.of(c);
                if (cg.exists() && cg.isPopulated()) {
                    entries.add(new StateFile.Entry(u.name.id(), ActiveState.ACTIVE.wireName(), ServiceState.RUNNING.spelling(),
                            0, 0, ServiceResult.SUCCESS.spelling(), null));
                }
            } catch (CgroupException ex) {
                Log.debug("%s: %s", u.name, ex.getMessage());
            }
        }
        List<CompletableFuture<Void>> jobs = new ArrayList<>();
        for (StateFile.Entry e : entries) {
            Optional<UnitName> n = UnitName.parse(e.name());
            if (n.isEmpty()) continue;
            UnitRuntime u = units.getOrCreate(n.get());
            if (e.transientText() != null) {
                u.isTransient = true;
                u.transientText = e.transientText();
                try {
                    transientFiles.write(u.name.id(), u.transientText);
                } catch (IOException ex) {
                    Log.warning("%s: cannot write its transient unit file: %s", u.name, ex.getMessage());
                }
                loading.load(u);
            }
            if (u.config == null) {
                Log.warning("%s was running but cannot be loaded now; leaving its processes alone", n.get());
                continue;
            }
            loading.ensureSlices();
            jobs.add(lifecycle.adopt(u, e).exceptionally(x -> {
                Log.error("%s: cannot take it over: %s", u.name, x.getMessage());
                return null;
            }));
        }
        return CompletableFuture.allOf(jobs.toArray(CompletableFuture[]::new));
    }
}
