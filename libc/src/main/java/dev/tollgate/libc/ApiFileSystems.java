package dev.tollgate.libc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where Linux's API file systems are mounted by convention (systemd's mount-setup), and how to
 * find cgroup2 among them as systemd's {@code cg_unified_cached} does: by asking each place with
 * statfs(2), never by the first line of the mount table.
 */
public final class ApiFileSystems {
    /** cgroup2 here is the unified layout; a tmpfs here holds the hybrid (or v1) layout. */
    public static final Path CGROUP = Path.of("/sys/fs/cgroup");
    /** cgroup2 in the hybrid layout, beside the v1 hierarchies. */
    public static final Path CGROUP_UNIFIED = CGROUP.resolve("unified");
    /** The places cgroup2 may be mounted, in the order systemd looks. */
    public static final List<Path> CGROUP2_PLACES = List.of(CGROUP, CGROUP_UNIFIED);
    public static final Path BPFFS = Path.of("/sys/fs/bpf");

    private ApiFileSystems() {}

    /**
     * The first of {@link #CGROUP2_PLACES} that statfs says is cgroup2.
     *
     * @throws IOException if statfs fails other than for a missing path
     */
    public static Optional<Path> cgroup2() throws IOException {
        for (Path p : CGROUP2_PLACES) {
            if (Statfs.isOn(p, FsMagic.CGROUP2)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
