package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.Attr;
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
        try (Attr.LinkCreate a = new Attr.LinkCreate(program.fd(), cgroup.fd(), type.value)) {
            return new BpfLink(new Fd((int) a.call(program + " to " + cgroup + " as " + type.systemdName)));
        }
    }

    public static BpfLink fromPin(Path path) {
        return new BpfLink(Pins.open(path));
    }

    public static BpfLink fromId(int id) {
        try (Attr.GetFdById a = new Attr.GetFdById(BpfCommand.BPF_LINK_GET_FD_BY_ID, id)) {
            return new BpfLink(new Fd((int) a.call("link id " + id)));
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
        try (Attr.LinkUpdate a = new Attr.LinkUpdate(fd(), next.fd())) {
            if (expected != null) a.expecting(AttachFlags.REPLACE, expected.fd());
            a.call("link fd " + fd.value() + " to " + next);
        }
    }

    /** BPF_LINK_DETACH (5.9): the link stays open but no longer attached. */
    public void detach() {
        try (Attr.LinkDetach a = new Attr.LinkDetach(fd())) {
            a.call("link fd " + fd.value());
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
