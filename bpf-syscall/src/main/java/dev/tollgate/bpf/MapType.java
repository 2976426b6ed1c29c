package dev.tollgate.bpf;

/** Map types tollgate uses, numbered as in enum bpf_map_type. */
public enum MapType {
    HASH(1), ARRAY(2), PERCPU_HASH(5), PERCPU_ARRAY(6), LPM_TRIE(11), RINGBUF(27);

    public final int value;

    MapType(int value) {
        this.value = value;
    }

    public boolean perCpu() {
        return this == PERCPU_ARRAY || this == PERCPU_HASH;
    }

    public static java.util.Optional<MapType> of(int value) {
        for (MapType t : values()) if (t.value == value) return java.util.Optional.of(t);
        return java.util.Optional.empty();
    }
}
