package dev.tollgate.bpf.link;

import dev.tollgate.bpf.AttachFlags;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfException;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.CgroupPrograms;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.features.KernelCapability;
import dev.tollgate.libc.Errno;
import java.nio.file.Path;

/**
 * A BPF_PROG_ATTACH attachment, multi or single. It outlives every fd and the process, so a
 * later process finds it again through the pinned program and BPF_PROG_QUERY.
 *
 * <p>It holds no file descriptor: the cgroup holds the attached program, and what needs the
 * program's descriptor (a replace naming the old program, a detach, a pin) opens it by id for
 * that moment. Ids are not reused while the object lives, and it lives while it is attached.
 */
public final class LegacyAttachment implements Attachment {
    private final AttachMechanism mode;
    private final Path cgroup;
    private final AttachType type;
    private int programId;
    private Path pinnedAt;

    private LegacyAttachment(AttachMechanism mode, Path cgroup, AttachType type, int programId, Path pinnedAt) {
        if (mode == AttachMechanism.LINK) throw new IllegalArgumentException("a legacy attachment is multi or single");
        this.mode = mode;
        this.cgroup = cgroup;
        this.type = type;
        this.programId = programId;
        this.pinnedAt = pinnedAt;
    }

    static LegacyAttachment create(AttachMechanism mode, CgroupHandle cgroup, AttachType type, BpfProgram program) {
        CgroupPrograms.attach(cgroup, program, type, mode.legacyFlags());
        return new LegacyAttachment(mode, cgroup.path(), type, program.id(), null);
    }

    static LegacyAttachment open(AttachMechanism mode, CgroupHandle cgroup, AttachType type, Path pin) {
        BpfProgram program = BpfProgram.fromPin(pin);
        try {
            CgroupPrograms.Query q = CgroupPrograms.query(cgroup, type, false);
            if (!q.programIds().contains(program.id())) {
                // A process killed inside replace() attached the new program but had not yet
                // moved the pin to it: take the attached program of the same name, and pin it.
                BpfProgram current = successor(q, program, pin);
                program.close();
                program = current;
                Pins.pinReplacing(program.fd(), pin);
                Pins.unpin(pin.resolveSibling(pin.getFileName() + "_new"));
            }
            boolean multi = (q.attachFlags() & AttachFlags.ALLOW_MULTI) != 0;
            if (multi != (mode == AttachMechanism.MULTI))
                throw new IllegalStateException(cgroup.path() + " holds " + type.systemdName + " programs in mode "
                        + (multi ? "multi" : "single/override") + ", expected " + mode.configName());
            return new LegacyAttachment(mode, cgroup.path(), type, program.id(), pin);
        } finally {
            program.close();
        }
    }

    /** The program attached at this level that took over from {@code pinned}: the one of the same name. */
    private static BpfProgram successor(CgroupPrograms.Query q, BpfProgram pinned, Path pin) {
        for (int id : q.programIds()) {
            BpfProgram candidate = BpfProgram.fromId(id);
            if (candidate.name().equals(pinned.name()) && candidate.info().type() == pinned.info().type()) return candidate;
            candidate.close();
        }
        throw new IllegalStateException(pinned + " pinned at " + pin + " is not attached to this cgroup, "
                + "and no program of that name is");
    }

    @Override
    public AttachMechanism mode() {
        return mode;
    }

    @Override
    public AttachType type() {
        return type;
    }

    @Override
    public Path cgroup() {
        return cgroup;
    }

    @Override
    public synchronized int programId() {
        return programId;
    }

    @Override
    public synchronized Path pinnedAt() {
        return pinnedAt;
    }

    @Override
    public synchronized void replace(BpfProgram next) {
        try (CgroupHandle cg = CgroupHandle.open(cgroup)) {
            if (mode == AttachMechanism.SINGLE) {
                // Flags 0: re-attaching replaces the one program atomically.
                CgroupPrograms.attach(cg, next, type, AttachFlags.NONE);
            } else if (Capabilities.kernel().has(KernelCapability.REPLACE)) {
                try (BpfProgram current = BpfProgram.fromId(programId)) {
                    CgroupPrograms.attach(cg, next, type, AttachFlags.ALLOW_MULTI | AttachFlags.REPLACE, current);
                }
            } else {
                // Kernels 4.15-5.5 know ALLOW_MULTI but not REPLACE: add the new program, then
                // remove the old. No gap, but for that moment both run (a packet may be
                // counted twice; a firewall only gets stricter).
                try (BpfProgram current = BpfProgram.fromId(programId)) {
                    CgroupPrograms.attach(cg, next, type, AttachFlags.ALLOW_MULTI);
                    CgroupPrograms.detach(cg, current, type);
                }
            }
        }
        // Keeps the pin pointing at the attached program, so re-adoption finds the current one.
        if (pinnedAt != null) Pins.pinReplacing(next.fd(), pinnedAt);
        programId = next.id();
    }

    @Override
    public synchronized void detach() {
        try (CgroupHandle cg = CgroupHandle.open(cgroup); BpfProgram current = BpfProgram.fromId(programId)) {
            CgroupPrograms.detach(cg, current, type);
        } catch (BpfException e) {
            // ENOENT: not attached there, or (by id) the program is gone, so attached nowhere.
            if (e.errno() != Errno.ENOENT) throw e;
        } catch (java.io.UncheckedIOException gone) {
            // The cgroup was removed: the kernel dropped its attachments with it.
        }
        if (pinnedAt != null) Pins.unpin(pinnedAt);
        pinnedAt = null;
    }

    @Override
    public synchronized void pin(Path path) {
        if (pinnedAt != null) {
            Pins.move(pinnedAt, path);
        } else {
            try (BpfProgram current = BpfProgram.fromId(programId)) {
                current.pin(path);
            }
        }
        pinnedAt = path;
    }

    @Override
    public void close() {
        // No descriptor is held; the attachment stays in the kernel.
    }

    @Override
    public String toString() {
        return mode.configName() + " attachment of program id " + programId + " on " + cgroup + " (" + type.systemdName + ")";
    }
}
