package dev.tollgate.libc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mount table of a mount namespace, from {@code /proc/PID/mountinfo} (proc(5)).
 *
 * <p>It says what statfs(2) cannot: the super options of a file system (cgroup2's
 * {@code nsdelegate}) and which part of it a mount shows (its root). It is not the place to
 * ask which file system a path is on ({@link Statfs} is): the table lists every mount of the
 * namespace, also those that later mounts hide. A container or a service with a private
 * {@code /sys} still lists the host's {@code /sys/fs/cgroup} and {@code /sys/fs/bpf} under the
 * fresh {@code /sys}, and, in a cgroup namespace, the host's cgroup2 mount with the root
 * {@code /..}. {@link #visible(List)} drops those.
 */
public final class MountInfo {
    public static final Path PROC_SELF_MOUNTINFO = Path.of("/proc/self/mountinfo");

    /**
     * One line of the table.
     *
     * @param id the mount's id
     * @param parentId the id of the mount it is mounted on (for the namespace's root, one that is not listed)
     * @param root the directory of the file system that the mount shows, as the reader's
     *     namespaces see it: {@code /}, a subdirectory (a bind mount, a container's cgroup), or
     *     {@code /..}-something for a cgroup outside the reader's cgroup namespace
     * @param mountPoint where it is mounted
     * @param fsType the file system type, e.g. {@code cgroup2}, {@code bpf}
     * @param superOptions the file system's options, e.g. {@code rw}, {@code nsdelegate}
     */
    public record Mount(int id, int parentId, String root, Path mountPoint, String fsType, Set<String> superOptions) {
        public Mount {
            superOptions = Set.copyOf(superOptions);
        }

        /** Whether the mount shows a directory outside the reader's namespace (a root of {@code /..}). */
        public boolean rootedOutsideNamespace() {
            return root.equals("/..") || root.startsWith("/../");
        }
    }

    private MountInfo() {}

    /** This process's mount table. */
    public static List<Mount> read() throws IOException {
        return parse(Files.readString(PROC_SELF_MOUNTINFO));
    }

    /**
     * The lines of a mountinfo text: {@code id parent major:minor root mount-point options
     * [optional fields...] - fstype source super-options}, with space, tab, newline and
     * backslash in paths written as {@code \040}, {@code \011}, {@code \012}, {@code \134}.
     * A line that is not of that form is skipped.
     */
    public static List<Mount> parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(" ");
            int sep = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    sep = i;
                    break;
                }
            }
            // " - " inside a path is escaped, so the first bare "-" after the options is the separator.
            if (sep < 0 || f.length < sep + 2) continue;
            int id, parent;
            try {
                id = Integer.parseInt(f[0]);
                parent = Integer.parseInt(f[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            String mountPoint = unescape(f[4]);
            if (!mountPoint.startsWith("/")) continue;
            Set<String> options = new LinkedHashSet<>();
            if (f.length > sep + 3) {
                for (String o : f[sep + 3].split(",")) {
                    if (!o.isEmpty()) options.add(o);
                }
            }
            mounts.add(new Mount(id, parent, unescape(f[3]), Path.of(mountPoint), f[sep + 1], options));
        }
        return mounts;
    }

    /**
     * The mounts that a path lookup can reach and that show something inside the reader's
     * namespace: without a mount that a later one hides (one on the same mount point or on a
     * directory above it, other than the mounts it sits on itself) and without one rooted
     * outside the namespace ({@code /..}).
     *
     * <p>The kernel lists a namespace's mounts in the order they were made (a copied namespace
     * keeps its source's order), so "later" is "further down". A mount moved ({@code mount
     * --move}) under a newer one keeps its earlier place; the parent ids tell that it sits on the
     * newer one rather than under it.
     */
    public static List<Mount> visible(List<Mount> mounts) {
        Map<Integer, Mount> byId = new HashMap<>();
        for (Mount m : mounts) byId.put(m.id(), m);
        List<Mount> out = new ArrayList<>();
        for (int i = 0; i < mounts.size(); i++) {
            Mount m = mounts.get(i);
            if (m.rootedOutsideNamespace() || hidden(m, mounts.subList(i + 1, mounts.size()), byId)) continue;
            out.add(m);
        }
        return out;
    }

    private static boolean hidden(Mount m, List<Mount> later, Map<Integer, Mount> byId) {
        for (Mount n : later) {
            if (m.mountPoint().startsWith(n.mountPoint()) && !isAncestor(n, m, byId)) return true;
        }
        return false;
    }

    private static boolean isAncestor(Mount candidate, Mount m, Map<Integer, Mount> byId) {
        Set<Integer> seen = new java.util.HashSet<>();
        for (Mount p = byId.get(m.parentId()); p != null && seen.add(p.id()); p = byId.get(p.parentId())) {
            if (p.id() == candidate.id()) return true;
        }
        return false;
    }

    /** Undoes the kernel's octal escapes ({@code \ooo}) in a mountinfo path field. */
    public static String unescape(String field) {
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
}
