package dev.tollgate.bench;

import dev.tollgate.accounting.Direction;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Register;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.bpf.link.Attachment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The floor: {@code r0 = 1; exit} on ingress and egress of some cgroups (BPF_F_ALLOW_MULTI).
 * What any cgroup_skb program costs: the hook, the dispatch, and with run statistics on, the
 * kernel's own timing of each run.
 */
final class FloorProgram implements AutoCloseable {
    /** One attached program: its cgroup, direction and id. */
    record Attached(Path cgroup, Direction direction, int programId) {}

    private final List<Attachment> attachments = new ArrayList<>();
    private final List<Attached> attached = new ArrayList<>();

    private FloorProgram() {}

    static FloorProgram install(List<Path> cgroups) {
        FloorProgram f = new FloorProgram();
        try {
            for (Path cgroup : cgroups) {
                try (CgroupHandle cg = CgroupHandle.open(cgroup)) {
                    for (Direction d : Direction.values()) {
                        try (BpfProgram p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_bench_floor",
                                null, new Assembler().mov(Register.R0, 1).exit().assemble(), Map.of()))) {
                            f.attachments.add(Attachment.attach(AttachMechanism.MULTI, cg, d.attachType, p));
                            f.attached.add(new Attached(cgroup, d, p.id()));
                        }
                    }
                }
            }
            return f;
        } catch (RuntimeException e) {
            try {
                f.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    List<Attached> attached() {
        return attached;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Attachment a : attachments) {
            try {
                a.detach();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        attachments.clear();
        if (first != null) throw first;
    }
}
