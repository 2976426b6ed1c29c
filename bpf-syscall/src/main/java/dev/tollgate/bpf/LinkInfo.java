package dev.tollgate.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** struct bpf_link_info for cgroup links (other link types report only type, id and program). */
public record LinkInfo(int type, int id, int programId, long cgroupId, int attachType) {
    public static final int BPF_LINK_TYPE_CGROUP = 3;
    private static final int SIZE = 64;

    public static LinkInfo ofFd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(Math.max(SIZE, 1), 8);
            ObjectInfo.fill(fd, i, "link");
            int type = ObjectInfo.u32(i, 0);
            boolean cgroup = type == BPF_LINK_TYPE_CGROUP;
            return new LinkInfo(type, ObjectInfo.u32(i, 4), ObjectInfo.u32(i, 8),
                    cgroup ? ObjectInfo.u64(i, 16) : 0, cgroup ? ObjectInfo.u32(i, 24) : -1);
        }
    }

    public static LinkInfo ofId(int id) {
        try (BpfLink l = BpfLink.fromId(id)) {
            return l.info();
        }
    }

    public boolean isCgroup() {
        return type == BPF_LINK_TYPE_CGROUP;
    }
}
