package dev.tollgate.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The mount table of this process (/proc/self/mountinfo), as far as the BPF layer needs it. */
public final class Mounts {
    /** One line of mountinfo: where, and which filesystem type. */
    public record Mount(Path mountPoint, String fsType) {}

    private Mounts() {}

    public static List<Mount> read() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
    }

    /** Parses mountinfo lines: field 5 is the mount point; the type follows the " - " separator. */
    public static List<Mount> parse(List<String> lines) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            for (int i = 6; i < f.length - 1; i++) {
                if (f[i].equals("-")) {
                    mounts.add(new Mount(Path.of(unescape(f[4])), f[i + 1]));
                    break;
                }
            }
        }
        return mounts;
    }

    /** The first mount of a filesystem type (e.g. {@code cgroup2}). */
    public static Optional<Path> first(String fsType) {
        return read().stream().filter(m -> m.fsType().equals(fsType)).map(Mount::mountPoint).findFirst();
    }

    /** The filesystem a path is on: the longest mount point above it, a later mount shadowing an earlier one. */
    public static Optional<Mount> holding(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Mount best = null;
        for (Mount m : read()) {
            if (abs.startsWith(m.mountPoint())
                    && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
