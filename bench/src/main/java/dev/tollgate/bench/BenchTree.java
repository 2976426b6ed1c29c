package dev.tollgate.bench;

import dev.tollgate.libc.ApiFileSystems;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The scratch cgroup tree of one run: {@code tollgate-bench-X} under the cgroup2 mount, and
 * directories below it. The top directory is only a container and holds no programs.
 * {@link #close()} removes the whole tree, deepest first. It kills nothing: processes the
 * benchmark started there are its own to stop first; this JVM, if still inside, is moved back
 * to the root cgroup.
 */
final class BenchTree implements AutoCloseable {
    static final Pattern NAME = Pattern.compile("tollgate-bench-[A-Za-z0-9]{1,32}");
    /** The datapath layout: a service under three nested slices, outermost first (as systemd nests them). */
    static final List<String> SLICES = List.of("bench.slice", "bench-a.slice", "bench-a-b.slice");
    static final String UNIT = "bench.service";

    private final Path mount;
    private final Path root;
    private boolean closed;

    private BenchTree(Path mount, Path root) {
        this.mount = mount;
        this.root = root;
    }

    static Path cgroup2Mount() {
        try {
            return ApiFileSystems.cgroup2().orElseThrow(() -> new IllegalStateException(
                    "statfs says neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is cgroup2"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates the top directory; refuses a name that exists (never adopts someone else's tree). */
    static BenchTree create(String name) {
        if (!NAME.matcher(name).matches())
            throw new IllegalArgumentException("run name must match " + NAME.pattern() + ", got '" + name + "'");
        Path mount = cgroup2Mount();
        Path root = mount.resolve(name);
        try {
            Files.createDirectory(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root, e);
        }
        return new BenchTree(mount, root);
    }

    Path root() {
        return root;
    }

    /** A directory below the top one (parents created as needed). */
    Path dir(String relative) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root) || p.equals(root)) throw new IllegalArgumentException("not below the tree: " + relative);
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
        return p;
    }

    /** The slice cgroups of the datapath layout, outermost first. */
    List<Path> slices() {
        List<Path> out = new ArrayList<>();
        StringBuilder rel = new StringBuilder();
        for (String s : SLICES) {
            if (!rel.isEmpty()) rel.append('/');
            out.add(dir(rel.append(s).toString()));
        }
        return out;
    }

    /** The service cgroup of the datapath layout, below the three slices. */
    Path leaf() {
        return dir(String.join("/", SLICES) + "/" + UNIT);
    }

    /** Slice unit names nearest first, as {@code UnitPolicy.accountedSlices} wants them. */
    static List<String> slicesNearestFirst() {
        return SLICES.reversed();
    }

    @Override
    public synchronized void close() {
        if (closed || !Files.exists(root)) {
            closed = true;
            return;
        }
        String self = Long.toString(ProcessHandle.current().pid());
        List<Path> dirs = new ArrayList<>();
        try (var s = Files.walk(root)) {
            s.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(dirs::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        IOException first = null;
        for (Path d : dirs) {
            try {
                Path procs = d.resolve("cgroup.procs");
                if (Files.exists(procs) && Files.readAllLines(procs).stream().anyMatch(p -> p.trim().equals(self)))
                    Files.writeString(mount.resolve("cgroup.procs"), self);
                rmdir(d);
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        closed = true;
        if (first != null) throw new UncheckedIOException("cannot remove all of " + root, first);
    }

    private static void rmdir(Path dir) throws IOException {
        // A process or socket just gone may keep a cgroup busy for a moment: retry briefly.
        for (int i = 0; ; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (i >= 100) throw e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
