package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.Attr;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** BPF_OBJ_GET_INFO_BY_FD and reading the fixed-layout info structs it fills. */
final class ObjectInfo {
    private ObjectInfo() {}

    /** Fills {@code info} (a zeroed buffer) for the object behind {@code fd}. */
    static void fill(int fd, MemorySegment info, String what) {
        try (Attr.ObjGetInfo a = new Attr.ObjGetInfo(fd, info)) {
            a.call(what + " fd " + fd);
        }
    }

    static int u32(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_INT_UNALIGNED, off);
    }

    static long u64(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
    }

    static String cString(MemorySegment s, long off, int len) {
        byte[] b = s.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
