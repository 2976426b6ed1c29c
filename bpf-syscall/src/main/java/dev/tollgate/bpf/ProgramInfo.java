package dev.tollgate.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * struct bpf_prog_info, as far as tollgate reads it. {@code runTimeNs} and {@code runCount}
 * are non-zero only with {@code kernel.bpf_stats_enabled=1}.
 */
public record ProgramInfo(int type, int id, String tag, String name, List<Integer> mapIds, int createdByUid,
                          long loadTimeNs, long runTimeNs, long runCount, byte[] xlated) {
    private static final int SIZE = 232;

    public ProgramInfo {
        mapIds = List.copyOf(mapIds);
    }

    public static ProgramInfo ofFd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(Math.max(SIZE, 1), 8);
            ObjectInfo.fill(fd, i, "program");
            int nrMaps = ObjectInfo.u32(i, 52);
            int xlatedLen = ObjectInfo.u32(i, 20);
            // Second pass with room for the map ids and the translated instructions.
            try (Arena b = Arena.ofConfined()) {
                MemorySegment j = b.allocate(Math.max(SIZE, 1), 8);
                MemorySegment ids = b.allocate(Math.max(4L * nrMaps, 1), 8);
                MemorySegment code = b.allocate(Math.max(xlatedLen, 1), 8);
                j.set(ValueLayout.JAVA_INT_UNALIGNED, 52, nrMaps);
                j.set(ValueLayout.JAVA_LONG_UNALIGNED, 56, ids.address());
                j.set(ValueLayout.JAVA_INT_UNALIGNED, 20, xlatedLen);
                j.set(ValueLayout.JAVA_LONG_UNALIGNED, 32, code.address());
                ObjectInfo.fill(fd, j, "program");
                List<Integer> mapIds = new ArrayList<>();
                int got = Math.min(nrMaps, ObjectInfo.u32(j, 52));
                for (int k = 0; k < got; k++) mapIds.add(ids.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * k));
                byte[] tag = j.asSlice(8, 8).toArray(ValueLayout.JAVA_BYTE);
                return new ProgramInfo(ObjectInfo.u32(j, 0), ObjectInfo.u32(j, 4), Bytes.hex(tag),
                        ObjectInfo.cString(j, 64, 16), mapIds, ObjectInfo.u32(j, 48), ObjectInfo.u64(j, 40),
                        ObjectInfo.u64(j, 192), ObjectInfo.u64(j, 200),
                        code.asSlice(0, Math.min(xlatedLen, ObjectInfo.u32(j, 20))).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    public static ProgramInfo ofId(int id) {
        try (BpfProgram p = BpfProgram.fromId(id)) {
            return p.info();
        }
    }

    public String typeName() {
        return ProgramType.of(type).map(Enum::name).orElse("type " + type);
    }
}
