package dev.tollgate.daemon;

import dev.tollgate.api.ActiveState;
import dev.tollgate.units.InstallSection;
import dev.tollgate.units.ResourceControl;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSection;
import dev.tollgate.units.UnitSources;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The units: the live {@link UnitRuntime}s, which only the manager loop touches, and the
 * snapshot of {@link UnitRecord}s it publishes after each batch of events, which anyone reads
 * without waiting. A state change is also told, in order, to the listeners (Subscribe, the
 * state file) on a thread of their own.
 */
final class Units {
    private final ManagerLoop loop;
    private final Timers timers;
    private final Executor notifier;
    private final Map<UnitName, UnitRuntime> live = new HashMap<>();
    private final Map<UnitName, UnitRuntime> dirty = new LinkedHashMap<>();
    private volatile PublishedUnits<UnitName, UnitRecord> snapshot = PublishedUnits.empty();
    private final List<Consumer<UnitRecord>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> onPublished = new CopyOnWriteArrayList<>();

    Units(ManagerLoop loop, Timers timers, Executor notifier) {
        this.loop = loop;
        this.timers = timers;
        this.notifier = notifier;
        loop.onPublish(this::publish);
    }

    // ---- the loop's side --------------------------------------------------------------------

    UnitRuntime get(UnitName n) {
        loop.checkOwner();
        return live.get(n);
    }

    UnitRuntime getOrCreate(UnitName n) {
        loop.checkOwner();
        UnitRuntime u = live.get(n);
        if (u == null) {
            u = new UnitRuntime(n);
            u.stateChange = timers.now();
            live.put(n, u);
            dirty.put(n, u);
        }
        return u;
    }

    void remove(UnitRuntime u) {
        loop.checkOwner();
        if (live.remove(u.name, u)) dirty.put(u.name, null);
    }

    Collection<UnitRuntime> all() {
        loop.checkOwner();
        return List.copyOf(live.values());
    }

    /** The unit's record changes at the next publication. */
    void touched(UnitRuntime u) {
        loop.checkOwner();
        if (live.get(u.name) == u) dirty.put(u.name, u);
    }

    /** Enters a sub-state: timestamps as systemd keeps them, listeners told, waiters for a settled unit answered. */
    void setState(UnitRuntime u, ServiceState s) {
        loop.checkOwner();
        if (s == u.state) return;
        if (s.activeState() != u.state.activeState()) u.stateChange = timers.now();
        if (s.activeState() == ActiveState.ACTIVE && u.state.activeState() != ActiveState.ACTIVE) u.activeEnter = timers.now();
        u.state = s;
        touched(u);
        tell(u);
        if (u.isSettled() && !u.settledWaiters.isEmpty()) {
            List<CompletableFuture<Void>> waiting = List.copyOf(u.settledWaiters);
            u.settledWaiters.clear();
            for (CompletableFuture<Void> w : waiting) loop.completeLater(w, null);
        }
    }

    /** Tells the listeners of a change other than a state's (a load, a reload). */
    void tell(UnitRuntime u) {
        if (listeners.isEmpty()) return;
        UnitRecord r = u.record();
        notifier.execute(() -> {
            for (Consumer<UnitRecord> l : listeners) {
                try {
                    l.accept(r);
                } catch (RuntimeException e) {
                    Log.debug("listener failed: %s", e);
                }
            }
        });
    }

    /** The unit's ancestor slices on the loop, nearest first. */
    List<SliceConfig> sliceChain(UnitConfig c) {
        loop.checkOwner();
        return sliceChain(c, n -> Optional.ofNullable(live.get(n)).map(u -> u.config).orElse(null));
    }

    private void publish() {
        if (dirty.isEmpty()) return;
        Map<UnitName, UnitRecord> changed = new HashMap<>();
        dirty.forEach((n, u) -> changed.put(n, u == null ? null : u.record()));
        dirty.clear();
        snapshot = snapshot.with(changed);
        for (Runnable r : onPublished) r.run();
    }

    // ---- anyone's side ----------------------------------------------------------------------

    /** The units as last published. */
    Map<UnitName, UnitRecord> snapshot() {
        return snapshot;
    }

    Optional<UnitRecord> record(UnitName n) {
        return Optional.ofNullable(snapshot.get(n));
    }

    /** The unit's ancestor slices as published, nearest first. */
    List<SliceConfig> publishedSliceChain(UnitConfig c) {
        Map<UnitName, UnitRecord> s = snapshot;
        return sliceChain(c, n -> Optional.ofNullable(s.get(n)).map(UnitRecord::config).orElse(null));
    }

    void addListener(Consumer<UnitRecord> l) {
        listeners.add(l);
    }

    void removeListener(Consumer<UnitRecord> l) {
        listeners.remove(l);
    }

    /** Runs after each publication that changed something (the state file's write request). */
    void onPublished(Runnable r) {
        onPublished.add(r);
    }

    static List<SliceConfig> sliceChain(UnitConfig c, Function<UnitName, UnitConfig> configs) {
        List<SliceConfig> chain = new ArrayList<>();
        Optional<UnitName> s = c.parentSlice();
        while (s.isPresent()) {
            SliceConfig sc = configs.apply(s.get()) instanceof SliceConfig x ? x : implicitSlice(s.get());
            chain.add(sc);
            s = sc.parentSlice();
        }
        return chain;
    }

    static SliceConfig implicitSlice(UnitName name) {
        return new SliceConfig(name, UnitSection.EMPTY, ResourceControl.DEFAULTS, InstallSection.EMPTY,
                new UnitSources(Optional.empty(), List.of()));
    }
}
