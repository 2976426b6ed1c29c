package dev.tollgate.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** struct bpf_map_info, as far as tollgate reads it. */
public record MapInfo(int type, int id, int keySize, int valueSize, int maxEntries, int flags, String name) {
    private static final int SIZE = 88;

    public static MapInfo ofFd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(Math.max(SIZE, 1), 8);
            ObjectInfo.fill(fd, i, "map");
            return new MapInfo(ObjectInfo.u32(i, 0), ObjectInfo.u32(i, 4), ObjectInfo.u32(i, 8),
                    ObjectInfo.u32(i, 12), ObjectInfo.u32(i, 16), ObjectInfo.u32(i, 20),
                    ObjectInfo.cString(i, 24, 16));
        }
    }

    public static MapInfo ofId(int id) {
        try (BpfMap m = BpfMap.fromId(id)) {
            return m.info();
        }
    }

    public String typeName() {
        return MapType.of(type).map(Enum::name).orElse("type " + type);
    }
}
