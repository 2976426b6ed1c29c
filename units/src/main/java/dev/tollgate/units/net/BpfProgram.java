package dev.tollgate.units.net;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code BPFProgram=TYPE:PATH}: a program pinned on bpffs at {@code path}, to be attached
 * to the unit's cgroup with {@code type}.
 */
public record BpfProgram(BpfAttachType type, Path path) {

    public BpfProgram {
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
