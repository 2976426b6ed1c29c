package dev.tollgate.bpf;

import java.util.Objects;

/**
 * What to create: a map's type, shape, flags and name.
 */
public record MapSpec(MapType type, String name, int keySize, int valueSize, int maxEntries, int flags) {
    /** Needed for LPM tries, which the kernel allocates lazily. */
    public static final int BPF_F_NO_PREALLOC = 1;

    public MapSpec {
        Objects.requireNonNull(type, "type");
        ObjectName.check(name);
        if (type == MapType.RINGBUF) {
            if (keySize != 0 || valueSize != 0 || Integer.bitCount(maxEntries) != 1 || maxEntries < 4096)
                throw new IllegalArgumentException("ring buffer '" + name
                        + "': key and value size 0, max_entries a power of two >= page size");
        } else if (type.cgroupStorage()) {
            // max_entries must be 0: the kernel makes one entry per cgroup a user of the map is attached to.
            if (keySize != 8 || valueSize <= 0 || maxEntries != 0)
                throw new IllegalArgumentException("cgroup storage '" + name
                        + "': key size 8 (the cgroup id, storage shared by attach types), value size positive, max_entries 0");
        } else if (keySize <= 0 || valueSize <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("map '" + name + "': key size, value size and max entries must be positive");
        }
        if ((type == MapType.ARRAY || type == MapType.PERCPU_ARRAY) && keySize != 4)
            throw new IllegalArgumentException("array map '" + name + "' needs 4-byte keys");
        if (type == MapType.LPM_TRIE && (flags & BPF_F_NO_PREALLOC) == 0)
            throw new IllegalArgumentException("LPM trie '" + name + "' needs BPF_F_NO_PREALLOC");
    }

    public static MapSpec of(MapType type, String name, int keySize, int valueSize, int maxEntries) {
        int flags = type == MapType.LPM_TRIE ? BPF_F_NO_PREALLOC : 0;
        return new MapSpec(type, name, keySize, valueSize, maxEntries, flags);
    }

    /** An LPM trie for IPv4 ({@code addressBytes} 4) or IPv6 (16) prefixes with a value of {@code valueSize}. */
    public static MapSpec lpmTrie(String name, int addressBytes, int valueSize, int maxEntries) {
        return new MapSpec(MapType.LPM_TRIE, name, 4 + addressBytes, valueSize, maxEntries, BPF_F_NO_PREALLOC);
    }

    /** Storage per cgroup keyed by the cgroup id (u64): shared by every attach type of the cgroup (Linux 5.9+). */
    public static MapSpec cgroupStorage(MapType type, String name, int valueSize) {
        if (!type.cgroupStorage()) throw new IllegalArgumentException(type + " is not a cgroup storage type");
        return new MapSpec(type, name, 8, valueSize, 0, 0);
    }

    public static MapSpec ringBuffer(String name, int bytes) {
        return new MapSpec(MapType.RINGBUF, name, 0, 0, bytes, 0);
    }
}
