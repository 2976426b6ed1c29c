package dev.tollgate.cgroup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where cgroup v2 is mounted, found in {@code /proc/self/mountinfo}.
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

    static final Path PROC_SELF_MOUNTINFO = Path.of("/proc/self/mountinfo");
    static final Path PROC_SELF_CGROUP = Path.of("/proc/self/cgroup");

    public Cgroup2Mount {
        if (!mountPoint.isAbsolute()) throw new IllegalArgumentException("mount point must be absolute: " + mountPoint);
        superOptions = Set.copyOf(superOptions);
    }

    /**
     * The cgroup2 mount of this process's mount namespace.
     *
     * @throws CgroupException if there is none (a cgroup-v1-only host) or mountinfo is unreadable
     */
    public static Cgroup2Mount current() throws CgroupException {
        String text;
        try {
            text = Files.readString(PROC_SELF_MOUNTINFO);
        } catch (IOException e) {
            throw CgroupException.io("read", PROC_SELF_MOUNTINFO, e);
        }
        return parseMountinfo(text).orElseThrow(() -> CgroupException.failed("find cgroup2 in", PROC_SELF_MOUNTINFO,
                "no cgroup2 filesystem is mounted (tollgate needs cgroup v2: mount it with"
                        + " 'mount -t cgroup2 none /sys/fs/cgroup', or boot with systemd.unified_cgroup_hierarchy=1)"));
    }

    /**
     * Finds the cgroup2 mount in the text of a {@code mountinfo} file (proc(5)): fields
     * {@code id parent major:minor root mount-point options [optional fields...] - fstype source super-options},
     * with space, tab, newline and backslash in paths written as {@code \040}, {@code \011},
     * {@code \012}, {@code \134}.
     *
     * <p>Where there are several, a later mount on the same mount point hides the earlier one;
     * among the rest a mount of the whole hierarchy (root {@code /}) wins over a mount of a
     * subtree, and otherwise the first listed.
     */
    public static Optional<Cgroup2Mount> parseMountinfo(String mountinfo) {
        Map<String, Cgroup2Mount> byMountPoint = new LinkedHashMap<>();
        boolean v1 = false;
        List<String[]> cgroup2 = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split(" ");
            int sep = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    sep = i;
                    break;
                }
            }
            if (sep < 0 || f.length < sep + 2) continue; // not a mountinfo line
            String fstype = f[sep + 1];
            if (fstype.equals("cgroup")) v1 = true;
            if (!fstype.equals("cgroup2")) continue;
            String superOptions = f.length > sep + 3 ? f[sep + 3] : "";
            cgroup2.add(new String[] {unescape(f[3]), unescape(f[4]), superOptions});
        }
        Layout layout = v1 ? Layout.HYBRID : Layout.UNIFIED;
        for (String[] m : cgroup2) {
            byMountPoint.remove(m[1]); // keep insertion order of the visible one
            byMountPoint.put(m[1], new Cgroup2Mount(Path.of(m[1]), CgroupPath.parse(m[0]), layout, options(m[2])));
        }
        return byMountPoint.values().stream().filter(m -> m.root().isRoot()).findFirst()
                .or(() -> byMountPoint.values().stream().findFirst());
    }

    private static Set<String> options(String csv) {
        Set<String> s = new LinkedHashSet<>();
        for (String o : csv.split(",")) {
            if (!o.isEmpty()) s.add(o);
        }
        return s;
    }

    /** Undoes the kernel's octal escapes ({@code \ooo}) in a mountinfo path field. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) return field;
        byte[] in = field.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\\' && i + 3 < in.length && isOctal(in[i + 1]) && isOctal(in[i + 2]) && isOctal(in[i + 3])) {
                out.write(((in[i + 1] - '0') << 6) | ((in[i + 2] - '0') << 3) | (in[i + 3] - '0'));
                i += 3;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean isOctal(byte b) {
        return b >= '0' && b <= '7';
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
