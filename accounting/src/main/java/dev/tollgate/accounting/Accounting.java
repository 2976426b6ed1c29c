package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.features.CapabilityCheck;
import dev.tollgate.bpf.features.KernelCapability;
import dev.tollgate.bpf.link.AttachMechanism;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * Every unit's and slice's datapath under one bpffs directory, in one attach mode: what the
 * daemon calls to start, update, adopt and stop a unit's accounting and firewall, and to read
 * counters. Thread-safe: changes take the registry's lock; counter reads do not, so a read never
 * waits behind a program load (a daemon-reload of many units). They only hold off the closing of
 * the maps they read ({@code lifetimes}), which a stop does after detaching.
 */
public final class Accounting implements AutoCloseable {
    private final PinLayout pins;
    private final AttachMechanism mode;
    private final Map<String, UnitDatapath> units = new ConcurrentHashMap<>();
    private final Map<String, SliceCounters> slices = new ConcurrentHashMap<>();
    /** Read: a counter read under way; write: maps being closed (a stop, a slice no longer accounted). */
    private final ReadWriteLock lifetimes = new ReentrantReadWriteLock();
    private final BpfMap dropRing; // null where the kernel has no ring buffers (before 5.8)
    private final String dropRingUnavailable;
    private final ProgramSharing sharing;
    /** Units' state where programs are shared; also opened (not made) when per-unit, for units an earlier daemon started shared. */
    private final CgroupStorage storage;
    private final SharedPrograms sharedPrograms;
    /** Units' policy tries, one per distinct address list. */
    private final SharedTries sharedTries;

    /**
     * Whether units of one program shape share one loaded program (their state in
     * {@link CgroupStorage}, Linux 5.9+), or each unit loads its own (its state in maps of its
     * own, as on older kernels). A unit keeps the form it started with when a daemon of the
     * other form takes it over.
     */
    public enum ProgramSharing {
        SHARED, PER_UNIT;

        /** Shared where the kernel has cgroup storage keyed by cgroup id. */
        public static ProgramSharing probe() {
            return Capabilities.kernel().has(KernelCapability.SHARED_CGROUP_STORAGE) ? SHARED : PER_UNIT;
        }
    }
    /** Units by their id in drop events, also for a while after they stopped (their events may still be in the ring); guarded by itself. */
    private final Map<Integer, String> eventUnits = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > RECENT_EVENT_UNITS && !units.containsKey(eldest.getValue());
        }
    };
    private static final int RECENT_EVENT_UNITS = 4096;

    public Accounting(Path bpffsDirectory, AttachMechanism mode) {
        this(bpffsDirectory, mode, ProgramSharing.probe());
    }

    public Accounting(Path bpffsDirectory, AttachMechanism mode, ProgramSharing sharing) {
        this.pins = new PinLayout(Pins.ensureDirectory(bpffsDirectory));
        this.mode = mode;
        this.sharing = sharing;
        if (sharing == ProgramSharing.SHARED) {
            CapabilityCheck c = Capabilities.kernel().check(KernelCapability.SHARED_CGROUP_STORAGE);
            if (!c.available())
                throw new IllegalStateException("shared programs need cgroup storage keyed by cgroup id (Linux 5.9+): " + c.evidence());
            this.storage = CgroupStorage.openOrCreate(pins.root());
        } else {
            this.storage = CgroupStorage.openPinned(pins.root()).orElse(null);
        }
        this.sharedPrograms = new SharedPrograms(pins.programs());
        this.sharedTries = new SharedTries();
        BpfMap ring = null;
        String why = null;
        CapabilityCheck ringbuf = Capabilities.kernel().check(KernelCapability.RINGBUF);
        if (ringbuf.available()) {
            ring = openOrCreateRing(pins.dropRing());
        } else {
            why = "drop events are unavailable: the kernel has no BPF ring buffer (Linux 5.8+): " + ringbuf.evidence();
        }
        this.dropRing = ring;
        this.dropRingUnavailable = why;
    }

    /**
     * The pinned ring of an earlier daemon (its unread events and its consumer position with
     * it), or a new one. Not replaced while units run: their programs hold it.
     */
    private static BpfMap openOrCreateRing(Path pin) {
        if (Files.exists(pin)) {
            BpfMap r = BpfMap.fromPin(pin);
            if (r.info().type() == dev.tollgate.bpf.MapType.RINGBUF.value) return r;
            r.close();
            throw new IllegalStateException(pin + " is not a ring buffer; remove it");
        }
        BpfMap r = BpfMap.create(dev.tollgate.bpf.MapSpec.ringBuffer("tg_drop_ring", DropEventLayout.RING_BYTES));
        try {
            r.pin(pin);
            return r;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** The ring buffer units' drop events go into; empty (with {@link #dropEventsUnavailable}) on kernels without one. */
    public Optional<BpfMap> dropRing() {
        return Optional.ofNullable(dropRing);
    }

    /** Why there are no drop events, if there are none. */
    public Optional<String> dropEventsUnavailable() {
        return Optional.ofNullable(dropRingUnavailable);
    }

    /** The unit a drop event's {@link DropRecord#unitId} names, while it runs and for a while after. */
    public Optional<String> unitOfEvent(int unitId) {
        synchronized (eventUnits) {
            return Optional.ofNullable(eventUnits.get(unitId));
        }
    }

    /** Drop event counts of every unit, by name. */
    public Map<String, DropEventCounters> allDropEventCounters() {
        lifetimes.readLock().lock();
        try {
            Map<String, DropEventCounters> all = new LinkedHashMap<>();
            units.forEach((n, d) -> all.put(n, d.dropEventCounters()));
            return all;
        } finally {
            lifetimes.readLock().unlock();
        }
    }

    public AttachMechanism mode() {
        return mode;
    }

    public ProgramSharing sharing() {
        return sharing;
    }

    /** Distinct policy tries the units hold now, one per address list (for tests). */
    int policyTries() {
        return sharedTries.size();
    }

    /** Units holding each shared program, by its pin name. */
    public Map<String, Integer> sharedProgramUsers() {
        return sharedPrograms.users();
    }

    public PinLayout pins() {
        return pins;
    }

    /** Why this mode cannot carry the policy, if it cannot. */
    public static Optional<String> refusal(UnitPolicy p, AttachMechanism mode) {
        if (!p.socketBind().isEmpty()) {
            CapabilityCheck hooks = Capabilities.kernel().check(KernelCapability.BIND_HOOKS);
            if (!hooks.available()) {
                return Optional.of("SocketBindAllow=/SocketBindDeny= are unavailable: this kernel has no cgroup bind4/bind6 "
                        + "hooks (Linux 4.17+): " + hooks.evidence());
            }
        }
        if (mode.allowsProgramsBeside()) return Optional.empty();
        List<String> ours = new ArrayList<>();
        if (p.needsSkbPrograms()) ours.add("IP accounting or an IP firewall");
        if (!p.socketBind().isEmpty()) ours.add("SocketBindAllow=/SocketBindDeny=");
        if (p.delegate() && !ours.isEmpty()) {
            return Optional.of("Delegate=yes is unavailable in attach mode single: the unit has " + String.join(" and ", ours)
                    + ", and a program attached without BPF_F_ALLOW_MULTI blocks every program below its cgroup, "
                    + "so the delegated service could attach none of its own; delegation beside our programs needs "
                    + "BPF_F_ALLOW_MULTI (Linux 4.15+) or cgroup bpf_link (Linux 5.7+)");
        }
        if (!p.foreignPrograms().isEmpty()) {
            return Optional.of("IPIngressFilterPath=, IPEgressFilterPath= and BPFProgram= are unavailable in attach mode "
                    + "single: only one program can be attached per cgroup without BPF_F_ALLOW_MULTI, and it is ours; "
                    + "they need BPF_F_ALLOW_MULTI (Linux 4.15+) or cgroup bpf_link (Linux 5.7+)");
        }
        return Optional.empty();
    }

    /**
     * Starts a unit's datapath with fresh counters (a unit start resets its counters, as
     * systemd's). Different units start in parallel: only the registry is locked, not the
     * program loads.
     */
    public UnitDatapath start(UnitPolicy p) {
        refuseIfNeeded(p);
        UnitDatapath old;
        List<SliceCounters> accounted;
        synchronized (this) {
            old = units.remove(p.unit());
            accounted = slices(p);
        }
        if (old != null) retireClosing(old);
        // Members before the programs count anything: a kill in between leaves a member at zero.
        UnitDatapath[] joined = {null};
        UnitDatapath d;
        try {
            d = UnitDatapath.create(p, mode, pins, dropRing, sharing == ProgramSharing.SHARED ? storage : null, sharedPrograms,
                    sharedTries, x -> {
                joined[0] = x;
                for (SliceCounters s : accounted) s.join(x.state(), CounterSums.ZERO);
                // Named before its programs can report anything.
                synchronized (eventUnits) {
                    eventUnits.put(x.eventUnitId(), p.unit());
                }
            });
        } catch (RuntimeException e) {
            // The programs failed after the unit joined its slices: leave them again, or each
            // slice's member pin would keep the unit's counters map for good.
            if (joined[0] != null) {
                for (SliceCounters s : accounted) s.leave(joined[0].state().memberKey());
                synchronized (eventUnits) {
                    eventUnits.remove(joined[0].eventUnitId());
                }
            }
            throw e;
        }
        synchronized (this) {
            units.put(p.unit(), d);
        }
        return d;
    }

    /** Applies a changed policy to a running unit; counters carry on. */
    public synchronized void update(UnitPolicy p) {
        refuseIfNeeded(p);
        UnitDatapath d = units.get(p.unit());
        if (d == null) throw new IllegalStateException(p.unit() + " has no datapath to update");
        d.apply(p);
        memberships(d, p);
    }

    /**
     * Makes the unit a member of exactly its accounted slices: it joins those it is not in
     * yet with what it counted so far as base (a slice counts from the moment it is
     * accounted for the unit, as systemd's slice program does from its attachment), and
     * leaves the others.
     */
    private void memberships(UnitDatapath d, UnitPolicy p) {
        long id = d.state().memberKey();
        CounterSums now = null;
        for (SliceCounters s : slices(p)) {
            if (s.isMember(id)) continue;
            if (now == null) now = d.counters();
            s.join(d.state(), now);
        }
        for (var e : slices.entrySet()) {
            if (!p.accountedSlices().contains(e.getKey())) e.getValue().leave(id);
        }
    }

    private void retireClosing(UnitDatapath d) {
        lifetimes.writeLock().lock();
        try {
            retire(d);
        } finally {
            lifetimes.writeLock().unlock();
        }
    }

    /** A stopping unit: its programs go first, so that its counters are final when the slices fold them. */
    private void retire(UnitDatapath d) {
        RuntimeException first = null;
        try {
            d.detach();
        } catch (RuntimeException e) {
            first = e;
        }
        List<SliceCounters> all;
        synchronized (this) {
            all = List.copyOf(slices.values());
        }
        for (SliceCounters s : all) s.leave(d.state().memberKey());
        try {
            d.remove();
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        if (first != null) throw first;
    }

    /** Pins of a unit with no datapath object (stale, or stopped by another daemon): folded, then removed. */
    private void retirePins(Path dir) {
        Path counters = dir.resolve(PinLayout.COUNTERS);
        java.util.OptionalLong cgroupId = UnitDatapath.storageMarker(dir);
        if (cgroupId.isPresent()) {
            for (SliceCounters s : slices.values()) s.leave(UnitState.STORAGE_MEMBER | cgroupId.getAsLong());
        } else if (Files.exists(counters)) {
            try (BpfMap m = BpfMap.fromPin(counters)) {
                for (SliceCounters s : slices.values()) s.leave(m.id());
            }
        }
        Pins.removeTree(dir);
    }

    /** Takes over a running unit's pinned datapath after a restart; empty if nothing is pinned for it. */
    public synchronized Optional<UnitDatapath> adopt(UnitPolicy p) {
        refuseIfNeeded(p);
        Optional<UnitDatapath> d = UnitDatapath.adopt(p, mode, pins, dropRing, storage, sharedPrograms, sharedTries);
        d.ifPresent(x -> {
            units.put(p.unit(), x);
            synchronized (eventUnits) {
                eventUnits.put(x.eventUnitId(), p.unit());
            }
            memberships(x, p);
        });
        return d;
    }

    /** Detaches and unpins everything of a unit. */
    public synchronized void stop(String unit) {
        lifetimes.writeLock().lock();
        try {
            UnitDatapath d = units.remove(unit);
            if (d != null) {
                retire(d);
            } else {
                retirePins(pins.unit(unit));
            }
        } finally {
            lifetimes.writeLock().unlock();
        }
    }

    public Optional<UnitDatapath> unit(String unit) {
        return Optional.ofNullable(units.get(unit));
    }

    public Optional<CounterSums> unitCounters(String unit) {
        lifetimes.readLock().lock();
        try {
            return Optional.ofNullable(units.get(unit)).map(UnitDatapath::counters);
        } finally {
            lifetimes.readLock().unlock();
        }
    }

    public Optional<CounterSums> sliceCounters(String slice) {
        lifetimes.readLock().lock();
        try {
            SliceCounters s = slices.get(slice);
            if (s == null) return Optional.empty();
            // Members whose units run here are read through the units' descriptors.
            Map<Long, UnitDatapath> byMap = new HashMap<>();
            units.values().forEach(d -> byMap.put(d.state().memberKey(), d));
            return Optional.of(s.read(id -> {
                UnitDatapath d = byMap.get(id);
                return d == null ? null : d.counters();
            }));
        } finally {
            lifetimes.readLock().unlock();
        }
    }

    /** Counters of every unit and accounted slice, by name. */
    public Map<String, CounterSums> allCounters() {
        lifetimes.readLock().lock();
        try {
            Map<String, CounterSums> all = new LinkedHashMap<>();
            Map<Long, CounterSums> byMap = new HashMap<>();
            units.forEach((n, d) -> {
                CounterSums c = d.counters();
                all.put(n, c);
                byMap.put(d.state().memberKey(), c);
            });
            // Slices sum the members' counters just read: one lookup per unit, not one per unit and slice.
            slices.forEach((n, s) -> all.put(n, s.read(byMap::get)));
            return all;
        } finally {
            lifetimes.readLock().unlock();
        }
    }

    /** Keeps the counters of these accounted slices (creating or re-opening them) and drops the others'. */
    public synchronized void retainSlices(Set<String> accounted) {
        for (String s : accounted) slice(s);
        lifetimes.writeLock().lock();
        try {
            for (String s : new ArrayList<>(slices.keySet())) {
                if (!accounted.contains(s)) slices.remove(s).remove();
            }
        } finally {
            lifetimes.writeLock().unlock();
        }
    }

    /** Removes pins of units that are not running, e.g. left by a crash before their cgroup went away. */
    public synchronized List<String> removeStale(Set<String> running) {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(pins.units())) {
            sharedPrograms.sweep();
            return removed;
        }
        try (Stream<Path> s = Files.list(pins.units())) {
            for (Path dir : s.toList()) {
                String unit = PinLayout.unescape(dir.getFileName().toString());
                if (!running.contains(unit) && !units.containsKey(unit)) {
                    retirePins(dir);
                    removed.add(unit);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + pins.units(), e);
        }
        // Called once the running units are taken over: programs none of them took are an earlier daemon's leftovers.
        sharedPrograms.sweep();
        return removed;
    }

    private SliceCounters slice(String name) {
        return slices.computeIfAbsent(name, n -> SliceCounters.openOrCreate(n, pins, storage));
    }

    private synchronized List<SliceCounters> slices(UnitPolicy p) {
        List<SliceCounters> out = new ArrayList<>();
        for (String s : p.accountedSlices()) out.add(slice(s));
        return out;
    }

    private void refuseIfNeeded(UnitPolicy p) {
        Optional<String> why = refusal(p, mode);
        if (why.isPresent()) throw new PolicyRefused(p.unit(), why.get());
    }

    /** Stops every unit's datapath and removes every pin of ours. */
    public synchronized void removeAll() {
        for (String u : new ArrayList<>(units.keySet())) stop(u);
        lifetimes.writeLock().lock();
        try {
            for (SliceCounters s : slices.values()) s.remove();
            slices.clear();
        } finally {
            lifetimes.writeLock().unlock();
        }
        sharedPrograms.close();
        sharedTries.close();
        if (storage != null) storage.close();
        Pins.removeTree(pins.root());
        if (dropRing != null) dropRing.close();
    }

    /** Lets go of file descriptors only: attachments, pins and counters stay for the next daemon. */
    @Override
    public synchronized void close() {
        lifetimes.writeLock().lock();
        try {
            units.values().forEach(UnitDatapath::close);
            slices.values().forEach(SliceCounters::close);
            units.clear();
            slices.clear();
        } finally {
            lifetimes.writeLock().unlock();
        }
        sharedPrograms.close();
        sharedTries.close();
        if (storage != null) storage.close();
        if (dropRing != null) dropRing.close();
    }
}
