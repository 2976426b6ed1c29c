package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.Attr;
import dev.tollgate.libc.Errno;
import java.lang.foreign.Arena;
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
        try (Attr.ProgAttach a = new Attr.ProgAttach(BpfCommand.BPF_PROG_ATTACH, cgroup.fd(), program.fd(), type.value)) {
            a.flags(flags);
            if (replace != null) a.replacing(replace.fd());
            a.call(context(cgroup, program, type, flags));
        }
    }

    public static void attach(CgroupHandle cgroup, BpfProgram program, AttachType type, int flags) {
        attach(cgroup, program, type, flags, null);
    }

    /** Detaches {@code program} (in none/override mode any program detaches the one attached). */
    public static void detach(CgroupHandle cgroup, BpfProgram program, AttachType type) {
        try (Attr.ProgAttach a = new Attr.ProgAttach(BpfCommand.BPF_PROG_DETACH, cgroup.fd(), program.fd(), type.value)) {
            a.call(context(cgroup, program, type, 0));
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

    /** BPF_PROG_QUERY, growing the id buffer as needed. */
    public static Query query(CgroupHandle cgroup, AttachType type, boolean effective) {
        for (int capacity = 64; ; capacity *= 4) {
            try {
                return query(cgroup, type, effective, capacity);
            } catch (BpfException e) {
                if (e.errno() != Errno.ENOSPC || capacity >= 1 << 16) throw e;
            }
        }
    }

    /** BPF_PROG_QUERY with room for {@code capacity} ids; ENOSPC if more are attached. */
    public static Query query(CgroupHandle cgroup, AttachType type, boolean effective, int capacity) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ids = arena.allocate(4L * Math.max(capacity, 1), 4);
            MemorySegment flags = arena.allocate(4L * Math.max(capacity, 1), 4);
            Attr.ProgQuery a = new Attr.ProgQuery(cgroup.fd(), type.value, effective ? QUERY_EFFECTIVE : 0, ids, capacity);
            int count, attachFlags;
            long revision;
            try (a) {
                // The kernel refuses per-program flags for the effective query (EINVAL).
                if (!effective) a.programFlags(flags);
                a.call(cgroup + " " + type.systemdName + " with room for " + capacity);
                count = a.count();
                attachFlags = a.attachFlags();
                revision = a.revision();
            }
            List<Integer> idList = new ArrayList<>(count);
            List<Integer> flagList = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                idList.add(ids.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i));
                // Per-program flags exist since 6.0 and not for the effective query.
                flagList.add(flags.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i));
            }
            return new Query(attachFlags, idList, flagList,
                    revision == 0 ? OptionalLong.empty() : OptionalLong.of(revision));
        }
    }

    private static String context(CgroupHandle cgroup, BpfProgram program, AttachType type, int flags) {
        String f = AttachFlags.describe(flags);
        return program + " to " + cgroup + " as " + type.systemdName + (f.isEmpty() ? "" : " [" + f + "]");
    }
}
