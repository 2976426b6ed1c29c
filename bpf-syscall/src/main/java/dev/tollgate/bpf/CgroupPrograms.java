package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.BpfAttr;
import dev.tollgate.bpf.sys.BpfCommand;
import dev.tollgate.bpf.sys.BpfException;
import dev.tollgate.bpf.sys.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** The legacy cgroup attach interface: BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY. */
public final class CgroupPrograms {
    /** BPF_F_QUERY_EFFECTIVE: the programs that run for this cgroup, inherited ones included. */
    public static final int QUERY_EFFECTIVE = 1;

    private CgroupPrograms() {}

    /** Attaches {@code program}; {@code replace} (with {@link AttachFlags#REPLACE}) names the program it swaps out. */
    public static void attach(CgroupHandle cgroup, BpfProgram program, AttachType type, int flags, BpfProgram replace) {
        try (BpfAttr a = new BpfAttr()) {
            a.u32(0, cgroup.fd()).u32(4, program.fd()).u32(8, type.value).u32(12, flags);
            if (replace != null) a.u32(16, replace.fd());
            a.call(BpfCommand.BPF_PROG_ATTACH, context(cgroup, program, type, flags));
        }
    }

    public static void attach(CgroupHandle cgroup, BpfProgram program, AttachType type, int flags) {
        attach(cgroup, program, type, flags, null);
    }

    /** Detaches {@code program} (in none/override mode any program detaches the one attached). */
    public static void detach(CgroupHandle cgroup, BpfProgram program, AttachType type) {
        try (BpfAttr a = new BpfAttr()) {
            a.u32(0, cgroup.fd()).u32(4, program.fd()).u32(8, type.value);
            a.call(BpfCommand.BPF_PROG_DETACH, context(cgroup, program, type, 0));
        }
    }

    /** What is attached at one cgroup level for one attach type (or, effective, what runs there). */
    public record Query(int attachFlags, List<Integer> programIds, List<Integer> programAttachFlags,
                        OptionalLong revision) {
        public Query {
            programIds = List.copyOf(programIds);
            programAttachFlags = List.copyOf(programAttachFlags);
        }
    }

    public static Query query(CgroupHandle cgroup, AttachType type, boolean effective) {
        int capacity = 64;
        while (true) {
            try (BpfAttr a = new BpfAttr()) {
                MemorySegment ids = a.buffer(4L * capacity);
                MemorySegment flags = a.buffer(4L * capacity);
                a.u32(0, cgroup.fd()).u32(4, type.value).u32(8, effective ? QUERY_EFFECTIVE : 0)
                        .pointer(16, ids).u32(24, capacity).pointer(32, flags);
                long r = a.callRaw(BpfCommand.BPF_PROG_QUERY);
                if (r == -Errno.ENOSPC && capacity < 1 << 16) {
                    capacity *= 4;
                    continue;
                }
                if (r < 0) {
                    throw new BpfException(BpfCommand.BPF_PROG_QUERY, new Errno((int) -r), cgroup + " " + type);
                }
                int count = a.u32(24);
                List<Integer> idList = new ArrayList<>(count);
                List<Integer> flagList = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    idList.add(ids.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i));
                    flagList.add(flags.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i));
                }
                long revision = a.u64(56);
                return new Query(a.u32(12), idList, flagList,
                        revision == 0 ? OptionalLong.empty() : OptionalLong.of(revision));
            }
        }
    }

    private static String context(CgroupHandle cgroup, BpfProgram program, AttachType type, int flags) {
        String f = AttachFlags.describe(flags);
        return program + " to " + cgroup + " as " + type.systemdName + (f.isEmpty() ? "" : " [" + f + "]");
    }
}
