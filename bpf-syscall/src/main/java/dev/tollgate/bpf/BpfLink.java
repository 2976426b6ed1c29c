package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.BpfAttr;
import dev.tollgate.bpf.sys.BpfCommand;
import java.nio.file.Path;

/**
 * A bpf_link (kernel 5.7+): owns one attachment. It detaches when its last fd closes unless
 * pinned; only a holder of the link can detach or update it.
 */
public final class BpfLink implements AutoCloseable {
    private final Fd fd;

    private BpfLink(Fd fd) {
        this.fd = fd;
    }

    /** BPF_LINK_CREATE for a cgroup. */
    public static BpfLink createCgroup(CgroupHandle cgroup, BpfProgram program, AttachType type) {
        try (BpfAttr a = new BpfAttr()) {
            a.u32(0, program.fd()).u32(4, cgroup.fd()).u32(8, type.value);
            return new BpfLink(new Fd((int) a.call(BpfCommand.BPF_LINK_CREATE,
                    program + " to " + cgroup + " as " + type.systemdName)));
        }
    }

    public static BpfLink fromPin(Path path) {
        return new BpfLink(Pins.open(path));
    }

    public static BpfLink fromId(int id) {
        try (BpfAttr a = new BpfAttr()) {
            a.u32(0, id);
            return new BpfLink(new Fd((int) a.call(BpfCommand.BPF_LINK_GET_FD_BY_ID, "link id " + id)));
        }
    }

    public int fd() {
        return fd.value();
    }

    public LinkInfo info() {
        return LinkInfo.ofFd(fd());
    }

    /** Swaps the program in place; with {@code expected} non-null, only if that is the current one. */
    public void update(BpfProgram next, BpfProgram expected) {
        try (BpfAttr a = new BpfAttr()) {
            a.u32(0, fd()).u32(4, next.fd());
            if (expected != null) a.u32(8, AttachFlags.REPLACE).u32(12, expected.fd());
            a.call(BpfCommand.BPF_LINK_UPDATE, "link fd " + fd.value() + " to " + next);
        }
    }

    /** BPF_LINK_DETACH (5.9): the link stays open but no longer attached. */
    public void detach() {
        try (BpfAttr a = new BpfAttr()) {
            a.u32(0, fd());
            a.call(BpfCommand.BPF_LINK_DETACH, "link fd " + fd.value());
        }
    }

    public void pin(Path path) {
        Pins.pin(fd(), path);
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "link " + fd;
    }
}
