package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.Bytes;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where a running unit's counters and drop event state are: in maps of its own (each unit
 * loads programs of its own that name them), or in the daemon's {@link CgroupStorage} under its
 * cgroup's id (its programs are shared with every unit of their shape). A unit keeps the form
 * it was started with, also when a daemon that prefers the other takes it over.
 */
sealed interface UnitState extends AutoCloseable {
    /** The slice member key of a unit in cgroup storage: the cgroup id, tagged apart from map ids (kernfs ids never use bit 62). */
    long STORAGE_MEMBER = 1L << 62;

    SkbProgram.StateAccess access();

    CounterSums counters();

    DropEventCounters dropEventCounters();

    /** The id drop events carry for the unit. */
    int eventUnitId();

    /** Its key among a slice's members (see {@link SliceCounters}). */
    long memberKey();

    /** The maps its programs reference for its state, by {@link SkbProgram}'s names. */
    void addProgramMaps(Map<String, BpfMap> maps, boolean events);

    @Override
    void close();

    /** Today's form before shared storage (kernels before 5.9): a one-entry counters map and events map, pinned in the unit's directory. */
    record OwnMaps(BpfMap countersMap, BpfMap eventsMap) implements UnitState {
        @Override
        public SkbProgram.StateAccess access() {
            return SkbProgram.StateAccess.UNIT_MAPS;
        }

        @Override
        public CounterSums counters() {
            return SliceCounters.read(countersMap);
        }

        @Override
        public DropEventCounters dropEventCounters() {
            byte[] v = eventsMap.lookup(Bytes.u32(0)).orElse(null);
            if (v == null) return DropEventCounters.ZERO;
            return new DropEventCounters(Bytes.u64(v, DropEventLayout.EMITTED), Bytes.u64(v, DropEventLayout.SUPPRESSED));
        }

        @Override
        public int eventUnitId() {
            return eventsMap.id();
        }

        @Override
        public long memberKey() {
            return countersMap.id();
        }

        @Override
        public void addProgramMaps(Map<String, BpfMap> maps, boolean withEvents) {
            maps.put(SkbProgram.UNIT_MAP, countersMap);
            if (withEvents) maps.put(SkbProgram.EVENTS_MAP, eventsMap);
        }

        @Override
        public void close() {
            eventsMap.close();
            countersMap.close();
        }
    }

    /**
     * The unit's entries in the daemon's cgroup storage, under the id of the cgroup its
     * programs are attached to; the unit's directory records the id ({@link #marker}), so
     * pins alone say whose entries they are. The unit id in events is the low half of the
     * cgroup id (the kernfs inode number, unique among live cgroups and not soon reused).
     */
    record InCgroupStorage(CgroupStorage storage, long cgroupId) implements UnitState {
        static final String MARKER_PREFIX = "cgroup_";

        public InCgroupStorage {
            Objects.requireNonNull(storage, "storage");
        }

        /** The directory in the unit's pins naming its cgroup id. */
        static Path marker(Path unitDir, long cgroupId) {
            return unitDir.resolve(MARKER_PREFIX + Long.toUnsignedString(cgroupId));
        }

        @Override
        public SkbProgram.StateAccess access() {
            return SkbProgram.StateAccess.CGROUP_STORAGE;
        }

        @Override
        public CounterSums counters() {
            return storage.counters(cgroupId).orElse(CounterSums.ZERO);
        }

        @Override
        public DropEventCounters dropEventCounters() {
            return storage.dropEventCounters(cgroupId);
        }

        @Override
        public int eventUnitId() {
            return (int) cgroupId;
        }

        @Override
        public long memberKey() {
            return STORAGE_MEMBER | cgroupId;
        }

        @Override
        public void addProgramMaps(Map<String, BpfMap> maps, boolean withEvents) {
            maps.put(SkbProgram.UNIT_MAP, storage.countersMap());
            maps.put(SkbProgram.EVENTS_MAP, storage.eventsMap());
        }

        @Override
        public void close() {
            // The storage maps are the daemon's.
        }
    }
}
