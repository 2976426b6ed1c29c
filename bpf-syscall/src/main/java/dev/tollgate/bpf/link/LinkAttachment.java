package dev.tollgate.bpf.link;

import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfLink;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.LinkInfo;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.features.KernelCapability;
import java.nio.file.Path;

/** An attachment owned by a bpf_link; {@code BPF_LINK_UPDATE} swaps the program in place. */
public final class LinkAttachment implements Attachment {
    private final Path cgroup;
    private final AttachType type;
    private final BpfLink link;
    private BpfProgram program;
    private Path pinnedAt;

    private LinkAttachment(Path cgroup, AttachType type, BpfLink link, BpfProgram program, Path pinnedAt) {
        this.cgroup = cgroup;
        this.type = type;
        this.link = link;
        this.program = program;
        this.pinnedAt = pinnedAt;
    }

    static LinkAttachment create(CgroupHandle cgroup, AttachType type, BpfProgram program) {
        BpfProgram own = BpfProgram.fromId(program.id());
        try {
            return new LinkAttachment(cgroup.path(), type, BpfLink.createCgroup(cgroup, own, type), own, null);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    static LinkAttachment open(CgroupHandle cgroup, AttachType type, Path pin) {
        BpfLink link = BpfLink.fromPin(pin);
        try {
            LinkInfo info = link.info();
            if (!info.isCgroup())
                throw new IllegalStateException(pin + " is a link of type " + info.type() + ", not a cgroup link");
            if (info.cgroupId() != cgroup.id())
                throw new IllegalStateException(pin + " is attached to cgroup id " + info.cgroupId()
                        + ", not " + cgroup.path() + " (id " + cgroup.id() + ")"
                        + (info.cgroupId() == 0 ? ": its cgroup was removed" : ""));
            if (info.attachType() != type.value)
                throw new IllegalStateException(pin + " has attach type " + info.attachType() + ", not " + type.systemdName);
            return new LinkAttachment(cgroup.path(), type, link, BpfProgram.fromId(info.programId()), pin);
        } catch (RuntimeException e) {
            link.close();
            throw e;
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
    public synchronized BpfProgram program() {
        return program;
    }

    @Override
    public synchronized void replace(BpfProgram next) {
        BpfProgram own = BpfProgram.fromId(next.id());
        try {
            link.update(own, program);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
        program.close();
        program = own;
    }

    @Override
    public synchronized void detach() {
        // Before 5.9 a link detaches only when its last reference goes: unpin and close.
        if (Capabilities.kernel().has(KernelCapability.LINK_DETACH)) link.detach();
        if (pinnedAt != null) Pins.unpin(pinnedAt);
        pinnedAt = null;
        close();
    }

    @Override
    public synchronized void pin(Path path) {
        link.pin(path);
        pinnedAt = path;
    }

    @Override
    public synchronized void close() {
        link.close();
        program.close();
    }

    @Override
    public String toString() {
        return "link attachment of " + program + " on " + cgroup + " (" + type.systemdName + ")";
    }
}
