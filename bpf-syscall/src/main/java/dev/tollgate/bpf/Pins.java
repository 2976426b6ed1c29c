package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.Attr;
import dev.tollgate.libc.ApiFileSystems;
import dev.tollgate.libc.Errno;
import dev.tollgate.libc.FsMagic;
import dev.tollgate.libc.Libc;
import dev.tollgate.libc.Statfs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Pinning kernel objects on bpffs, and making sure bpffs is there. */
public final class Pins {
    public static final Path DEFAULT_BPFFS = ApiFileSystems.BPFFS;

    private Pins() {}

    /** Pins the object behind {@code fd} at {@code path}, which must be on bpffs. */
    public static void pin(int fd, Path path) {
        checkName(path);
        try (Attr.ObjPath a = new Attr.ObjPath(BpfCommand.BPF_OBJ_PIN, path.toString())) {
            a.fd(fd).call(path.toString());
        }
    }

    /**
     * Pins {@code fd} at {@code path}, replacing whatever is pinned there in one step (pin to
     * a temporary name, then rename over), so a reader of the path never finds it missing.
     */
    public static void pinReplacing(int fd, Path path) {
        Path tmp = path.resolveSibling(path.getFileName() + "_new");
        unpin(tmp);
        pin(fd, tmp);
        int errno = Libc.rename(tmp, path);
        if (errno != 0) {
            unpin(tmp);
            throw failure("cannot move pin " + tmp + " to " + path, errno);
        }
    }

    /**
     * Moves a pin to {@code to} in one rename: the object is never without a pin on the way.
     * {@code to} must be free (a rename would unpin what is there).
     */
    public static void move(Path from, Path to) {
        if (from.equals(to)) return;
        checkName(to);
        if (Files.exists(to)) throw new IllegalStateException("cannot move pin " + from + " to " + to + ": something is pinned there");
        int errno = Libc.rename(from, to);
        if (errno != 0) throw failure("cannot move pin " + from + " to " + to, errno);
    }

    /** Opens a new fd on the object pinned at {@code path}. */
    public static Fd open(Path path) {
        try (Attr.ObjPath a = new Attr.ObjPath(BpfCommand.BPF_OBJ_GET, path.toString())) {
            return new Fd((int) a.call(path.toString()));
        }
    }

    /** Removes a pin; false if there was none (which costs no exception: it is often the case). */
    public static boolean unpin(Path path) {
        int errno = Libc.unlink(path);
        if (errno == 0) return true;
        if (errno == Errno.ENOENT.number()) return false;
        throw failure("cannot remove pin " + path, errno);
    }

    /** Removes a directory of pins and everything in it. */
    public static void removeTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    /**
     * Makes sure {@code dir} exists on bpffs: mounts bpffs at /sys/fs/bpf when the directory
     * belongs there and statfs says /sys/fs/bpf is not bpffs, then creates the directory.
     *
     * <p>statfs asks the path itself, as libbpf and systemd do: the mount table would also list a
     * bpffs that a later mount hides (a container's fresh {@code /sys} over the host's, where
     * {@code /sys/fs/bpf} is then a plain sysfs directory).
     */
    public static Path ensureDirectory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            if (!isOnBpffs(abs)) {
                if (!abs.startsWith(DEFAULT_BPFFS))
                    throw new IllegalStateException(abs + " is not on bpffs (statfs says "
                            + FsMagic.describe(Statfs.magic(nearestExisting(abs))) + "): mount -t bpf bpf DIR");
                if (!Statfs.isOn(DEFAULT_BPFFS, FsMagic.BPF_FS)) {
                    int errno = Libc.mount("bpf", DEFAULT_BPFFS, "bpf", 0);
                    if (errno != 0) throw new IllegalStateException("mount -t bpf bpf " + DEFAULT_BPFFS + " failed: " + Errno.of(errno));
                }
                if (!isOnBpffs(abs))
                    throw new IllegalStateException(abs + " is not on bpffs although " + DEFAULT_BPFFS
                            + " is: a file system of another type is mounted between them (statfs says "
                            + FsMagic.describe(Statfs.magic(nearestExisting(abs))) + ")");
            }
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + abs + ": " + e.getMessage(), e);
        }
        return abs;
    }

    /**
     * Makes {@code dir} in a directory already on bpffs (a unit's, under a pin root that
     * {@link #ensureDirectory} made): one mkdir, where ensureDirectory first asks statfs and looks
     * for the nearest existing ancestor (~8 % of a unit start's CPU on our side, twice per start).
     * A directory there already is fine; a missing parent takes ensureDirectory's way.
     */
    public static void makeDirectory(Path dir) {
        int errno = Libc.mkdir(dir, 0777);
        if (errno == 0 || (errno == Errno.EEXIST.number() && Files.isDirectory(dir))) return;
        if (errno == Errno.ENOENT.number()) {
            ensureDirectory(dir);
            return;
        }
        throw failure("cannot create " + dir, errno);
    }

    /**
     * Whether {@code path}, or the directory it would be created in, is on bpffs: statfs of
     * the path or of its nearest existing ancestor.
     */
    public static boolean isOnBpffs(Path path) throws IOException {
        return Statfs.magic(nearestExisting(path.toAbsolutePath().normalize())) == FsMagic.BPF_FS.magic;
    }

    private static Path nearestExisting(Path abs) {
        Path p = abs;
        while (p.getParent() != null && !Files.exists(p)) p = p.getParent();
        return p;
    }

    private static UncheckedIOException failure(String what, int errno) {
        Errno e = Errno.of(errno);
        return new UncheckedIOException(what + ": " + e.name() + " (" + e.description() + ")", new IOException(e.description()));
    }

    private static void checkName(Path path) {
        Path name = path.getFileName();
        if (name == null || name.toString().contains("."))
            throw new IllegalArgumentException("pin name '" + name + "' may not contain '.' (bpffs refuses it)");
    }
}
