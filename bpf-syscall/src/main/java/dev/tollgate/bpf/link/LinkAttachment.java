package dev.tollgate.bpf.link;

import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfException;
import dev.tollgate.bpf.BpfLink;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.LinkInfo;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.features.KernelCapability;
import dev.tollgate.libc.Errno;
import java.nio.file.Path;

/**
 * An attachment owned by a bpf_link; {@code BPF_LINK_UPDATE} swaps the program in place.
 *
 * <p>Once pinned it holds no file descriptor: the pin keeps the link, and the link its program.
 * The link is opened from its pin only for what needs it (an update, a detach, a move of the
 * pin). A daemon with many units would otherwise hold a link and a program descriptor per
 * attachment, and every process it spawns copies and closes them all before its exec.
 */
public final class LinkAttachment implements Attachment {
    private final Path cgroup;
    private final AttachType type;
    private BpfLink link; // open until pinned: an unpinned link lives by our descriptor alone
    private int programId;
    private Path pinnedAt;

    private LinkAttachment(Path cgroup, AttachType type, BpfLink link, int programId, Path pinnedAt) {
        this.cgroup = cgroup;
        this.type = type;
        this.link = link;
        this.programId = programId;
        this.pinnedAt = pinnedAt;
    }

    static LinkAttachment create(CgroupHandle cgroup, AttachType type, BpfProgram program) {
        // The link holds its own reference on the program: the caller may close theirs.
        return new LinkAttachment(cgroup.path(), type, BpfLink.createCgroup(cgroup, program, type), program.id(), null);
    }

    static LinkAttachment open(CgroupHandle cgroup, AttachType type, Path pin) {
        try (BpfLink link = BpfLink.fromPin(pin)) {
            LinkInfo info = link.info();
            if (!info.isCgroup())
                throw new IllegalStateException(pin + " is a link of type " + info.type() + ", not a cgroup link");
            if (info.cgroupId() != cgroup.id())
                throw new IllegalStateException(pin + " is attached to cgroup id " + info.cgroupId()
                        + ", not " + cgroup.path() + " (id " + cgroup.id() + ")"
                        + (info.cgroupId() == 0 ? ": its cgroup was removed" : ""));
            if (info.attachType() != type.value)
                throw new IllegalStateException(pin + " has attach type " + info.attachType() + ", not " + type.systemdName);
            return new LinkAttachment(cgroup.path(), type, null, info.programId(), pin);
        }
    }

    @Override
    public AttachMechanism mode() {
        return AttachMechanism.LINK;
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

    /** Our descriptor on the link, or one opened from its pin (the caller closes it with {@link #release}). */
    private BpfLink open() {
        if (link != null) return link;
        if (pinnedAt == null) throw new IllegalStateException(this + " is closed");
        return BpfLink.fromPin(pinnedAt);
    }

    private void release(BpfLink l) {
        if (l != link) l.close();
    }

    @Override
    public synchronized void replace(BpfProgram next) {
        BpfLink l = open();
        try (BpfProgram current = BpfProgram.fromId(programId)) {
            l.update(next, current);
        } finally {
            release(l);
        }
        programId = next.id();
    }

    @Override
    public synchronized void detach() {
        BpfLink l;
        try {
            l = open();
        } catch (BpfException e) {
            if (e.errno() != Errno.ENOENT) throw e;
            // The pin is gone and we held no descriptor: so is the link, and its attachment with it.
            pinnedAt = null;
            return;
        }
        try {
            // Before 5.9 a link detaches only when its last reference goes: unpin and close.
            if (Capabilities.kernel().has(KernelCapability.LINK_DETACH)) l.detach();
            if (pinnedAt != null) Pins.unpin(pinnedAt);
            pinnedAt = null;
        } finally {
            l.close();
            link = null;
        }
    }

    @Override
    public synchronized void pin(Path path) {
        if (pinnedAt != null) {
            Pins.move(pinnedAt, path);
        } else {
            if (link == null) throw new IllegalStateException(this + " is closed");
            link.pin(path);
            link.close();
            link = null;
        }
        pinnedAt = path;
    }

    @Override
    public synchronized void close() {
        if (link != null) link.close();
        link = null;
    }

    @Override
    public String toString() {
        return "link attachment of program id " + programId + " on " + cgroup + " (" + type.systemdName + ")";
    }
}
