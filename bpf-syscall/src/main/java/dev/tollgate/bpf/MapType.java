package dev.tollgate.bpf;

/** Map types tollgate uses, numbered as in enum bpf_map_type. */
public enum MapType {
    HASH(1), ARRAY(2), PERCPU_HASH(5), PERCPU_ARRAY(6), LPM_TRIE(11),
    /** Per-cgroup storage (4.19), reached with bpf_get_local_storage; keyed by cgroup id when the key is a u64 (5.9). */
    CGROUP_STORAGE(19),
    /** The per-CPU form of {@link #CGROUP_STORAGE} (4.20). */
    PERCPU_CGROUP_STORAGE(21),
    RINGBUF(27);

    public final int value;

    MapType(int value) {
        this.value = value;
    }

    public boolean perCpu() {
        return this == PERCPU_ARRAY || this == PERCPU_HASH || this == PERCPU_CGROUP_STORAGE;
    }

    /** Entries made by the kernel when a program using the map is attached to a cgroup; user space only reads and updates them. */
    public boolean cgroupStorage() {
        return this == CGROUP_STORAGE || this == PERCPU_CGROUP_STORAGE;
    }

    public static java.util.Optional<MapType> of(int value) {
        for (MapType t : values()) if (t.value == value) return java.util.Optional.of(t);
        return java.util.Optional.empty();
    }
}
