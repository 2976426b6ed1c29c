package dev.tollgate.units.net;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code BPFProgram=TYPE:PATH}: a program someone else pinned on bpffs at {@code path}, to
 * be attached to the unit's cgroup with {@code type}. systemd calls these foreign programs
 * ({@code CGroupBPFForeignProgram}, bpf-foreign.c); a program tollgate loads itself is a
 * {@code bpf.BpfProgram}.
 */
public record ForeignProgram(BpfAttachType type, Path path) {

    public ForeignProgram {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("BPF program path must be absolute: " + path);
        }
    }

    @Override
    public String toString() {
        return type + ":" + path;
    }
}
