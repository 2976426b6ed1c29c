package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.Bytes;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import dev.tollgate.bpf.Pins;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The daemon's two cgroup storage maps, which hold every unit's state where programs are
 * shared (Linux 5.9+, {@link dev.tollgate.bpf.features.KernelCapability#SHARED_CGROUP_STORAGE}):
 * the counters ({@link CounterLayout}, per-CPU) and the drop event state
 * ({@link DropEventLayout}), each keyed by the id of the cgroup a program is attached to. A
 * program reaches its unit's entry with bpf_get_local_storage, so it names no map of the unit
 * and one loaded program serves every unit of its shape.
 *
 * <p>The kernel makes a cgroup's entry when the first program using the map is attached to
 * it, keeps it across detach and re-attach, and frees it only with the cgroup or the map
 * (kernel/bpf/local_storage.c). User space can read and overwrite an entry, not create or
 * delete one. So a unit start zeroes an entry left from an earlier run of the cgroup, and its
 * unit id is written once its programs are attached, before its processes exist. Pinned at
 * the bpffs root, so a restarted daemon reads the same entries.
 */
public final class CgroupStorage implements AutoCloseable {
    private static final String COUNTERS_PIN = PinLayout.CGROUP_COUNTERS;
    private static final String EVENTS_PIN = PinLayout.CGROUP_EVENTS;

    private final BpfMap counters;
    private final BpfMap events;

    private CgroupStorage(BpfMap counters, BpfMap events) {
        this.counters = counters;
        this.events = events;
    }

    /** The pinned maps of an earlier daemon, or new ones. */
    static CgroupStorage openOrCreate(Path root) {
        BpfMap c = openOrCreate(root.resolve(COUNTERS_PIN), MapType.PERCPU_CGROUP_STORAGE, "tg_counters", CounterLayout.VALUE_SIZE);
        try {
            return new CgroupStorage(c, openOrCreate(root.resolve(EVENTS_PIN), MapType.CGROUP_STORAGE, "tg_events",
                    DropEventLayout.STATE_SIZE));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The pinned maps, if a daemon made them. */
    static Optional<CgroupStorage> openPinned(Path root) {
        Path c = root.resolve(COUNTERS_PIN), e = root.resolve(EVENTS_PIN);
        if (!Files.exists(c) || !Files.exists(e)) return Optional.empty();
        return Optional.of(openOrCreate(root));
    }

    private static BpfMap openOrCreate(Path pin, MapType type, String name, int valueSize) {
        if (Files.exists(pin)) {
            BpfMap m = BpfMap.fromPin(pin);
            if (m.info().type() == type.value && m.info().valueSize() == valueSize && m.info().keySize() == 8) return m;
            m.close();
            throw new IllegalStateException(pin + " is not a " + type + " map of " + valueSize + "-byte values; remove it");
        }
        BpfMap m = BpfMap.create(MapSpec.cgroupStorage(type, name, valueSize));
        try {
            m.pin(pin);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    BpfMap countersMap() {
        return counters;
    }

    BpfMap eventsMap() {
        return events;
    }

    private static byte[] key(long cgroupId) {
        return Bytes.u64(cgroupId);
    }

    /** A unit's counters; empty if its cgroup has no entry (no program of ours was attached there, or the cgroup is gone). */
    Optional<CounterSums> counters(long cgroupId) {
        return counters.lookupSummedU64(key(cgroupId)).map(CounterSums::of);
    }

    /** Drop event counts of the cgroup's unit. */
    DropEventCounters dropEventCounters(long cgroupId) {
        byte[] v = events.lookup(key(cgroupId)).orElse(null);
        if (v == null) return DropEventCounters.ZERO;
        return new DropEventCounters(Bytes.u64(v, DropEventLayout.EMITTED), Bytes.u64(v, DropEventLayout.SUPPRESSED));
    }

    /** The unit id the cgroup's entry gives drop events; empty without an entry. */
    Optional<Integer> eventUnitId(long cgroupId) {
        return events.lookup(key(cgroupId)).map(v -> Bytes.u32(v, DropEventLayout.UNIT_ID));
    }

    /** Zeroes the cgroup's entries, if it has any (a unit starting again in a cgroup that outlived its last run). */
    void reset(long cgroupId) {
        overwrite(counters, cgroupId, new byte[counters.userValueSize()]);
        overwrite(events, cgroupId, new byte[DropEventLayout.STATE_SIZE]);
    }

    /**
     * Gives the cgroup's drop events the unit's id, with an empty bucket and zero counts, unless
     * its entry has that id already (it keeps its counts then). False when the cgroup has no
     * entry (no program of ours is attached there).
     */
    boolean claimEvents(long cgroupId, int unitId) {
        Optional<Integer> now = eventUnitId(cgroupId);
        if (now.isEmpty()) return false;
        if (now.get() == unitId) return true;
        byte[] v = new byte[DropEventLayout.STATE_SIZE];
        ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).putInt(DropEventLayout.UNIT_ID, unitId);
        return overwrite(events, cgroupId, v);
    }

    /** False when the cgroup has no entry: the kernel makes entries at attach only. */
    private static boolean overwrite(BpfMap map, long cgroupId, byte[] value) {
        return map.overwrite(key(cgroupId), value);
    }

    /** Unpins both maps (the daemon removes everything of its own). */
    void unpin(Path root) {
        Pins.unpin(root.resolve(COUNTERS_PIN));
        Pins.unpin(root.resolve(EVENTS_PIN));
    }

    @Override
    public void close() {
        counters.close();
        events.close();
    }
}
