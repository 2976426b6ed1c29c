package dev.tollgate.cgroup;

import dev.tollgate.libc.ApiFileSystems;
import dev.tollgate.libc.FsMagic;
import dev.tollgate.libc.MountInfo;
import dev.tollgate.libc.Statfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where cgroup v2 is mounted, and which cgroup the mount shows.
 *
 * <p>Found as systemd finds it: statfs(2) asked at {@code /sys/fs/cgroup} (the unified layout)
 * and then at {@code /sys/fs/cgroup/unified} (hybrid). {@code /proc/self/mountinfo} is read only
 * for what statfs cannot say, the mount's root and super options, and only its visible lines
 * count: a namespace that mounts a fresh {@code /sys} (a container, systemd's own PID 1 in one)
 * still lists the host's hidden cgroup2 mount there, rooted at {@code /..} in its cgroup
 * namespace, often before its own.
 *
 * @param mountPoint where the hierarchy is visible, e.g. {@code /sys/fs/cgroup} (unified layout)
 *     or {@code /sys/fs/cgroup/unified} (hybrid layout)
 * @param root the cgroup that the mount point shows, as mountinfo's fourth field says; {@code /}
 *     unless the mount was made from inside a cgroup (e.g. a container's bind mount)
 * @param layout unified (cgroup v2 only) or hybrid (v1 hierarchies mounted beside it)
 * @param superOptions the filesystem's options, e.g. {@code nsdelegate}, {@code memory_recursiveprot}
 */
public record Cgroup2Mount(Path mountPoint, CgroupPath root, Layout layout, Set<String> superOptions) {

    public enum Layout {
        /** Only cgroup v2 is mounted (the usual place: {@code /sys/fs/cgroup}). */
        UNIFIED,
        /** cgroup v1 hierarchies are mounted too; v2 usually at {@code /sys/fs/cgroup/unified}. */
        HYBRID
    }

    static final Path PROC_SELF_CGROUP = Path.of("/proc/self/cgroup");

    public Cgroup2Mount {
        if (!mountPoint.isAbsolute()) throw new IllegalArgumentException("mount point must be absolute: " + mountPoint);
        superOptions = Set.copyOf(superOptions);
    }

    /** Asks a path whether it is a cgroup2 mount (statfs on a real system). */
    @FunctionalInterface
    interface FileSystemProbe {
        /** False if the path does not exist; an exception if the question cannot be answered. */
        boolean isCgroup2(Path path) throws IOException;

        FileSystemProbe STATFS = path -> Statfs.isOn(path, FsMagic.CGROUP2);
    }

    /**
     * The cgroup2 mount of this process's mount namespace.
     *
     * @throws CgroupException if there is none (a cgroup-v1-only host), mountinfo is unreadable,
     *     or the mount shows a cgroup outside this process's cgroup namespace
     */
    public static Cgroup2Mount current() throws CgroupException {
        List<MountInfo.Mount> table;
        try {
            table = MountInfo.read();
        } catch (IOException e) {
            throw CgroupException.io("read", MountInfo.PROC_SELF_MOUNTINFO, e);
        }
        return locate(FileSystemProbe.STATFS, table);
    }

    /**
     * Finds the cgroup2 mount with {@code probe} (statfs), and its root and options in
     * {@code table} (a parsed mountinfo).
     *
     * <p>Where neither of systemd's places is cgroup2, the first visible cgroup2 mount elsewhere
     * that the probe confirms (a mount of the whole hierarchy before one of a subtree) is taken,
     * as on a host without systemd that mounts it at, say, {@code /cgroup2}.
     */
    static Cgroup2Mount locate(FileSystemProbe probe, List<MountInfo.Mount> table) throws CgroupException {
        List<MountInfo.Mount> visible = MountInfo.visible(table);
        // systemd's places first, then any other visible cgroup2 mount (whole hierarchies first).
        record Place(Path mountPoint, Layout layout) {}
        List<Place> places = new ArrayList<>(List.of(
                new Place(ApiFileSystems.CGROUP, Layout.UNIFIED), new Place(ApiFileSystems.CGROUP_UNIFIED, Layout.HYBRID)));
        Layout elsewhere = visible.stream().anyMatch(v -> v.fsType().equals("cgroup")) ? Layout.HYBRID : Layout.UNIFIED;
        visible.stream().filter(m -> m.fsType().equals("cgroup2"))
                .sorted(Comparator.comparing(m -> !m.root().equals("/")))
                .map(MountInfo.Mount::mountPoint).distinct()
                .filter(p -> places.stream().noneMatch(known -> known.mountPoint().equals(p)))
                .forEach(p -> places.add(new Place(p, elsewhere)));
        Place found = null;
        Path asked = null;
        try {
            for (Place p : places) {
                asked = p.mountPoint();
                if (probe.isCgroup2(asked)) {
                    found = p;
                    break;
                }
            }
        } catch (IOException e) {
            throw CgroupException.io("statfs", asked, e);
        }
        if (found == null) {
            throw CgroupException.failed("find cgroup2 at", ApiFileSystems.CGROUP,
                    "statfs says neither " + ApiFileSystems.CGROUP + " nor " + ApiFileSystems.CGROUP_UNIFIED
                            + " is cgroup2, and mountinfo lists no other visible cgroup2 mount (tollgate needs cgroup v2:"
                            + " mount it with 'mount -t cgroup2 none /sys/fs/cgroup', or boot with systemd.unified_cgroup_hierarchy=1)");
        }
        Path at = found.mountPoint();
        MountInfo.Mount line = visible.stream()
                .filter(m -> m.fsType().equals("cgroup2") && m.mountPoint().equals(at))
                .reduce((first, second) -> second).orElse(null);
        if (line == null) {
            boolean outside = table.stream().anyMatch(m -> m.fsType().equals("cgroup2") && m.mountPoint().equals(at)
                    && m.rootedOutsideNamespace());
            throw CgroupException.failed("find the cgroup2 mount at", at, outside
                    ? "it shows a cgroup outside this process's cgroup namespace (root /.. in "
                            + MountInfo.PROC_SELF_MOUNTINFO + "), so no cgroup path of this namespace can be found"
                            + " below it: mount cgroup2 afresh inside the namespace (mount -t cgroup2 none " + at + ")"
                    : "statfs says it is cgroup2, but " + MountInfo.PROC_SELF_MOUNTINFO
                            + " lists no visible cgroup2 mount there (is " + at + " a subdirectory of one?)");
        }
        return new Cgroup2Mount(at, CgroupPath.parse(line.root()), found.layout(), line.superOptions());
    }

    /**
     * The cgroup v2 path in the text of a {@code /proc/PID/cgroup} file: the {@code 0::PATH} line
     * (the v1 lines of a hybrid host are ignored). Paths are relative to the reader's cgroup
     * namespace. Empty if there is no such line.
     */
    public static Optional<CgroupPath> parseProcCgroup(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("0::")) {
                String path = line.substring(3);
                // A cgroup removed while a zombie still points at it reads "/x (deleted)".
                if (path.endsWith(" (deleted)")) path = path.substring(0, path.length() - " (deleted)".length());
                return Optional.of(CgroupPath.parse(path));
            }
        }
        return Optional.empty();
    }

    /** The cgroup v2 path of process {@code pid}, as its {@code /proc/PID/cgroup} says (namespace-relative). */
    public static CgroupPath cgroupOfProcess(long pid) throws CgroupException {
        return readProcCgroup(Path.of("/proc", Long.toString(pid), "cgroup"));
    }

    /** This process's cgroup v2 path (namespace-relative), from {@code /proc/self/cgroup}. */
    public static CgroupPath ownCgroupPath() throws CgroupException {
        return readProcCgroup(PROC_SELF_CGROUP);
    }

    private static CgroupPath readProcCgroup(Path file) throws CgroupException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw CgroupException.io("read", file, e);
        }
        return parseProcCgroup(text).orElseThrow(() -> CgroupException.failed("read", file,
                "no '0::' line: the process is not in a cgroup v2 hierarchy"));
    }

    /**
     * Translates a namespace-relative cgroup path (as {@code /proc/PID/cgroup} prints it) into
     * the path below this mount point. Empty if the mount does not show that cgroup (the mount
     * is of a subtree that does not contain it).
     */
    public Optional<CgroupPath> belowMountPoint(CgroupPath procPath) {
        return procPath.relativeTo(root);
    }

    /** The cgroup at the mount point. */
    public Cgroup rootCgroup() {
        return new Cgroup(mountPoint, CgroupPath.ROOT);
    }

    /** The cgroup at {@code path} below the mount point. */
    public Cgroup cgroup(CgroupPath path) {
        return new Cgroup(mountPoint, path);
    }

    /** This process's own cgroup, as seen through this mount. */
    public Cgroup ownCgroup() throws CgroupException {
        CgroupPath own = ownCgroupPath();
        return cgroup(belowMountPoint(own).orElseThrow(() -> CgroupException.failed("locate own cgroup under",
                mountPoint, "this process's cgroup " + own + " is outside the mounted subtree " + root)));
    }

    /** The controllers the hierarchy offers at the mount point ({@code cgroup.controllers}). */
    public Set<String> controllers() throws CgroupException {
        return rootCgroup().controllers();
    }

    /** Whether the {@code nsdelegate} mount option makes cgroup namespaces delegation boundaries. */
    public boolean nsdelegate() {
        return superOptions.contains("nsdelegate");
    }
}
