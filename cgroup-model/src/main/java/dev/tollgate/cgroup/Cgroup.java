package dev.tollgate.cgroup;

import dev.tollgate.libc.CgroupId;
import dev.tollgate.libc.Errno;
import dev.tollgate.libc.Libc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One cgroup v2 directory, named by the mount it lives in and its path below it; a plain value
 * (nothing is open), so it can be kept, compared and used as a map key. Each operation acts on
 * the kernel when it is called and throws {@link CgroupException} naming the operation, the file
 * and the errno or cause.
 *
 * <p>"Subtree" below means this cgroup and all its descendants; like the kernel's
 * {@code cgroup.kill} and systemd's killing, {@link #kill}, {@link #signal} and
 * {@link #subtreeProcesses()} cover the whole subtree.
 */
public record Cgroup(Path mountPoint, CgroupPath path) {
    private static final System.Logger LOG = System.getLogger(Cgroup.class.getName());

    /** Where the kernel lists the files a delegatee must own (4.15+). */
    static final Path KERNEL_DELEGATE_LIST = Path.of("/sys/kernel/cgroup/delegate");

    /** What to delegate when the kernel does not say (it lists exactly these since 4.15). */
    static final List<String> DEFAULT_DELEGATE_FILES = List.of("cgroup.procs", "cgroup.subtree_control", "cgroup.threads");

    public static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(5);

    // Written out, as a record's would be: the generated ones are method handles spun at first
    // use by every thread that gets there meanwhile (a boot's job threads, each unit start).
    @Override
    public boolean equals(Object o) {
        return o instanceof Cgroup c && mountPoint.equals(c.mountPoint) && java.util.Objects.equals(path, c.path);
    }

    @Override
    public int hashCode() {
        return mountPoint.hashCode() * 31 + java.util.Objects.hashCode(path);
    }

    /** How long {@link #remove()} waits for a cgroup whose last processes are still exiting. */
    private static final Duration REMOVE_BUSY_GRACE = Duration.ofSeconds(2);

    public Cgroup {
        if (!mountPoint.isAbsolute()) throw new IllegalArgumentException("mount point must be absolute: " + mountPoint);
    }

    /** The cgroup's directory. */
    public Path directory() {
        return path.isRoot() ? mountPoint : mountPoint.resolve(path.relative());
    }

    /** A file of this cgroup, e.g. {@code file("cgroup.procs")}. */
    public Path file(String name) {
        return directory().resolve(name);
    }

    /** The child named {@code name} (taken literally; use {@link CgroupPath#escape} for unit names). */
    public Cgroup child(String name) {
        return new Cgroup(mountPoint, path.resolve(CgroupPath.of(name)));
    }

    /** The cgroup at {@code relative} below this one. */
    public Cgroup resolve(CgroupPath relative) {
        return new Cgroup(mountPoint, path.resolve(relative));
    }

    /** The parent, empty for the cgroup at the mount point. */
    public Optional<Cgroup> parent() {
        return path.parent().map(p -> new Cgroup(mountPoint, p));
    }

    public boolean exists() {
        // Without NOFOLLOW_LINKS (cgroupfs has no symlinks): the JDK answers that form from
        // stat(2) alone, the other throws and catches an exception for a missing directory,
        // as every unit's is at boot, when Adoption asks.
        return Files.isDirectory(directory());
    }

    @Override
    public String toString() {
        return directory().toString();
    }

    // ---- directories --------------------------------------------------------------------

    /**
     * Creates the directory and any missing ancestors below the mount point; no-op if it exists.
     * One mkdir(2) when the parent exists (the usual case: a unit's slice is there already),
     * ancestors only on ENOENT; no probing with stat, whose misses cost an exception each.
     */
    public Cgroup create() throws CgroupException {
        List<String> names = path.components();
        int made = makeDirectory(names, names.size());
        if (made == Errno.ENOENT.number()) {
            for (int depth = 1; depth <= names.size(); depth++) {
                made = makeDirectory(names, depth);
                if (made != 0 && made != Errno.EEXIST.number()) break;
            }
        }
        if (made != 0 && made != Errno.EEXIST.number()) {
            Path dir = directory();
            throw CgroupException.errno("create cgroup", dir, made, switch (Errno.of(made)) {
                case ENOENT -> "the parent cgroup does not exist (removed concurrently?)";
                case EACCES, EPERM -> "not allowed to create cgroups here (not root, or not delegated)";
                case EAGAIN -> "cgroup.max.descendants or cgroup.max.depth of an ancestor is reached";
                default -> null;
            });
        }
        return this;
    }

    /** mkdir of the first {@code depth} components; 0, EEXIST or the errno. */
    private int makeDirectory(List<String> names, int depth) {
        Path dir = mountPoint;
        for (int i = 0; i < depth; i++) dir = dir.resolve(names.get(i));
        if (depth == 0) return Errno.EEXIST.number();
        return Libc.mkdir(dir, 0755);
    }

    /** The child cgroups (subdirectories), in directory order. */
    public List<Cgroup> children() throws CgroupException {
        // From readdir's entry types: a stat of each of a cgroup's twenty-odd control files
        // made a stop of a thousand units stat sixty thousand files.
        List<String> names = new ArrayList<>();
        int errno = Libc.subdirectories(directory(), names);
        if (errno != 0) {
            throw CgroupException.io("list children of", directory(), Libc.pathError("opendir", directory(), errno));
        }
        List<Cgroup> out = new ArrayList<>(names.size());
        for (String name : names) out.add(child(name));
        return out;
    }

    /**
     * Whether the cgroup has child cgroups, from {@code nr_descendants} in {@code cgroup.stat}:
     * one read, where listing the directory costs a stat of each of its dozens of interface
     * files (a unit's stop walks its subtree several times). True where there is no
     * {@code cgroup.stat} (kernels before 4.14): the directory is listed then.
     */
    private boolean hasDescendants() throws CgroupException {
        Path f = file("cgroup.stat");
        String stat;
        try {
            stat = Files.readString(f);
        } catch (NoSuchFileException e) {
            if (exists()) return true;
            throw CgroupException.io("list children of", directory(), e);
        } catch (IOException e) {
            throw CgroupException.io("read", f, e);
        }
        for (String line : stat.split("\n")) {
            if (line.startsWith("nr_descendants ")) return !line.substring("nr_descendants ".length()).trim().equals("0");
        }
        return true;
    }

    /** This cgroup and all its descendants, each parent before its children. */
    public List<Cgroup> subtree() throws CgroupException {
        List<Cgroup> out = new ArrayList<>();
        collectSubtree(this, out, true);
        return out;
    }

    private static void collectSubtree(Cgroup c, List<Cgroup> out, boolean top) throws CgroupException {
        List<Cgroup> kids;
        try {
            kids = c.hasDescendants() ? c.children() : List.of();
        } catch (CgroupException e) {
            // A descendant removed while we walk is simply no longer part of the subtree.
            if (!top && e.getCause() instanceof NoSuchFileException) return;
            throw e;
        }
        out.add(c);
        for (Cgroup k : kids) collectSubtree(k, out, false);
    }

    /**
     * Removes the subtree, deepest cgroups first. Returns false if the cgroup did not exist.
     *
     * <p>The kernel refuses ({@code EBUSY}) to remove a cgroup that holds processes; this waits
     * a moment for processes that are still exiting, then fails naming the ones left.
     *
     * @throws CgroupException with {@link Errno#EBUSY} if the subtree is still populated
     * @throws IllegalStateException for the cgroup at the mount point, which cannot be removed
     */
    public boolean remove() throws CgroupException {
        if (path.isRoot()) throw new IllegalStateException("the cgroup at the mount point " + mountPoint + " cannot be removed");
        if (!exists()) return false;
        List<Cgroup> all = subtree();
        Collections.reverse(all);
        for (Cgroup c : all) c.removeOne(3);
        return true;
    }

    private void removeOne(int childRetries) throws CgroupException {
        long deadline = System.nanoTime() + REMOVE_BUSY_GRACE.toNanos();
        long sleepMs = 1;
        while (true) {
            int err = Libc.rmdir(directory());
            if (err == 0 || err == Errno.ENOENT.number()) return;
            if (err != Errno.EBUSY.number() && err != Errno.ENOTEMPTY.number()) {
                throw CgroupException.errno("remove cgroup", directory(), err, null);
            }
            // EBUSY: a child cgroup appeared since we listed, or processes are (still) inside.
            List<Cgroup> kids = childrenOrEmpty();
            if (!kids.isEmpty() && childRetries > 0) {
                for (Cgroup k : kids) k.remove();
                childRetries--;
                continue;
            }
            List<Long> pids = subtreeProcessesOrEmpty();
            if (!pids.isEmpty()) {
                throw CgroupException.errno("remove cgroup", directory(), err,
                        "it still holds processes " + pids + "; kill them first (Cgroup.kill)");
            }
            if (!kids.isEmpty()) {
                throw CgroupException.errno("remove cgroup", directory(), err,
                        "child cgroups keep appearing: " + kids);
            }
            if (System.nanoTime() > deadline) {
                throw CgroupException.errno("remove cgroup", directory(), err,
                        "it is still populated after " + REMOVE_BUSY_GRACE.toMillis() + " ms (processes still exiting?)");
            }
            sleep(sleepMs);
            sleepMs = Math.min(sleepMs * 2, 50);
        }
    }

    private List<Cgroup> childrenOrEmpty() {
        try {
            return children();
        } catch (CgroupException e) {
            return List.of();
        }
    }

    private List<Long> subtreeProcessesOrEmpty() {
        try {
            return subtreeProcesses();
        } catch (CgroupException e) {
            return List.of();
        }
    }

    /** The kernel's cgroup id (as BPF sees it). */
    public long id() throws CgroupException {
        try {
            return CgroupId.of(directory());
        } catch (IOException e) {
            throw CgroupException.io("read the cgroup id of", directory(), e);
        }
    }

    // ---- controllers --------------------------------------------------------------------

    /** The controllers available here ({@code cgroup.controllers}): what the parent enabled for its children. */
    public Set<String> controllers() throws CgroupException {
        return words(read("cgroup.controllers"));
    }

    /** The controllers enabled for the children ({@code cgroup.subtree_control}). */
    public Set<String> subtreeControl() throws CgroupException {
        return words(read("cgroup.subtree_control"));
    }

    /**
     * Enables controllers for the children. Each must be in {@link #controllers()} (enabled by
     * the parent), and the cgroup must hold no processes of its own (the "no internal
     * processes" rule), unless it is the root.
     */
    public void enableControllers(Collection<String> names) throws CgroupException {
        writeSubtreeControl(names, '+');
    }

    public void disableControllers(Collection<String> names) throws CgroupException {
        writeSubtreeControl(names, '-');
    }

    private void writeSubtreeControl(Collection<String> names, char sign) throws CgroupException {
        if (names.isEmpty()) return;
        String cmd = names.stream().map(n -> sign + n).collect(Collectors.joining(" "));
        write("cgroup.subtree_control", cmd, (sign == '+' ? "enable controllers " : "disable controllers ") + cmd + " in",
                err -> switch (err) {
                    case ENOENT -> "not all of them are available here (cgroup.controllers: " + quietly(this::controllers) + ")";
                    case EBUSY -> sign == '+'
                            ? "the cgroup holds processes of its own, and a cgroup with controllers enabled for its children may not (move them to a leaf first)"
                            : "a child still has the controller enabled for its own children";
                    case EOPNOTSUPP -> "a threaded cgroup cannot enable a domain controller";
                    default -> null;
                });
    }

    // ---- processes ----------------------------------------------------------------------

    /** The processes directly in this cgroup ({@code cgroup.procs}), each once. */
    public List<Long> processes() throws CgroupException {
        return pids(read("cgroup.procs"));
    }

    /** The processes in the subtree, each once. */
    public List<Long> subtreeProcesses() throws CgroupException {
        Set<Long> all = new LinkedHashSet<>();
        for (Cgroup c : subtree()) {
            try {
                all.addAll(c.processes());
            } catch (CgroupException e) {
                if (c.equals(this) || c.exists()) throw e; // a vanished descendant has no processes
            }
        }
        return List.copyOf(all);
    }

    /** Moves process {@code pid} (all its threads) into this cgroup. */
    public void moveIn(long pid) throws CgroupException {
        if (pid <= 0) throw new IllegalArgumentException("not a process id: " + pid);
        write("cgroup.procs", Long.toString(pid), "move pid " + pid + " into", err -> switch (err) {
            case ESRCH -> "there is no process " + pid;
            case EBUSY -> "the cgroup has controllers enabled for its children (cgroup.subtree_control), so it may not hold processes: use a leaf cgroup";
            case EOPNOTSUPP -> "the cgroup is threaded; only whole-process domain cgroups take processes this way";
            case EINVAL -> "process " + pid + " cannot be moved (a kernel thread?)";
            case ENOENT, ENODEV -> "the cgroup was removed";
            default -> null;
        });
    }

    public void moveIn(ProcessHandle process) throws CgroupException {
        moveIn(process.pid());
    }

    // ---- events -------------------------------------------------------------------------

    /** {@code cgroup.events}: populated and frozen. Not present on the root cgroup. */
    public CgroupEvents events() throws CgroupException {
        return CgroupEvents.parse(read("cgroup.events"));
    }

    /** Whether the subtree holds a live process. */
    public boolean isPopulated() throws CgroupException {
        return events().populated();
    }

    /**
     * Calls {@code listener} with the current {@link CgroupEvents} and then on every change,
     * through the process-wide {@link CgroupWatcher#shared()}; see
     * {@link CgroupWatcher#subscribe} for the details.
     */
    public CgroupWatcher.Subscription watch(Consumer<CgroupEvents> listener) throws CgroupException {
        return CgroupWatcher.shared().subscribe(this, listener);
    }

    /**
     * Waits until the subtree holds no process (or the cgroup is gone). True if it became (or
     * was) empty in time, false on timeout or interrupt (the interrupt flag is kept).
     */
    public boolean awaitEmpty(Duration timeout) throws CgroupException {
        CountDownLatch empty = new CountDownLatch(1);
        try (CgroupWatcher.Subscription _ = watch(ev -> {
            if (!ev.populated()) empty.countDown();
        })) {
            return empty.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- freezing, killing, signals -------------------------------------------------------

    /** Whether the kernel offers {@code cgroup.kill} here (5.14+, not on the root). */
    public boolean hasKillFile() {
        return Files.exists(file("cgroup.kill"), LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether the kernel offers {@code cgroup.freeze} here (5.2+, not on the root). */
    public boolean hasFreezeFile() {
        return Files.exists(file("cgroup.freeze"), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Freezes or thaws the subtree ({@code cgroup.freeze}). Returns at once; {@link #events()}
     * says {@code frozen} once every process has stopped.
     */
    public void setFrozen(boolean frozen) throws CgroupException {
        write("cgroup.freeze", frozen ? "1" : "0", frozen ? "freeze" : "thaw", err -> switch (err) {
            case ENOENT -> hasFreezeFile() ? "the cgroup was removed" : "no cgroup.freeze here (kernel before 5.2, or the root cgroup)";
            default -> null;
        });
    }

    /** {@link #kill(KillMethod, Duration)} with {@link KillMethod#AUTO} and {@link #DEFAULT_KILL_TIMEOUT}. */
    public void kill() throws CgroupException {
        kill(KillMethod.AUTO, DEFAULT_KILL_TIMEOUT);
    }

    /**
     * SIGKILLs every process in the subtree and returns once none is left (and the cgroup no
     * longer reads as populated). The calling process is never killed: if it is inside, it is
     * skipped ({@code AUTO} then uses the signal loop; {@code CGROUP_KILL} refuses).
     *
     * @throws CgroupException if the kernel refuses, or processes remain after {@code timeout}
     */
    public void kill(KillMethod method, Duration timeout) throws CgroupException {
        kill(method, timeout, true);
    }

    /** {@code mayFreeze} false: the signal loop as on a kernel without {@code cgroup.freeze} (for tests). */
    void kill(KillMethod method, Duration timeout, boolean mayFreeze) throws CgroupException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long self = ProcessHandle.current().pid();
        boolean selfInside = subtreeProcesses().contains(self);
        KillMethod m = method == KillMethod.AUTO
                ? (hasKillFile() && !selfInside ? KillMethod.CGROUP_KILL : KillMethod.FREEZE_AND_SIGNAL)
                : method;
        switch (m) {
            case CGROUP_KILL -> {
                if (selfInside) {
                    throw CgroupException.failed("kill", directory(), "the subtree holds this process (pid " + self
                            + "), which cgroup.kill would kill too; use KillMethod.AUTO or FREEZE_AND_SIGNAL");
                }
                write("cgroup.kill", "1", "kill (cgroup.kill)", err -> switch (err) {
                    case ENOENT -> hasKillFile() ? "the cgroup was removed" : "no cgroup.kill here (kernel before 5.14, or the root cgroup); use KillMethod.FREEZE_AND_SIGNAL";
                    case EOPNOTSUPP -> "the cgroup is threaded; cgroup.kill works on domain cgroups only";
                    default -> null;
                });
            }
            // Never freeze a subtree holding this process: it would stop itself.
            case FREEZE_AND_SIGNAL -> freezeAndSignal(deadline, self, mayFreeze && !selfInside && hasFreezeFile());
            case AUTO -> throw new AssertionError();
        }
        awaitGone(deadline, self, selfInside, timeout);
    }

    private void freezeAndSignal(long deadline, long self, boolean freeze) throws CgroupException {
        boolean wasFrozen = freeze && read("cgroup.freeze").trim().equals("1");
        long pauseMs = 1;
        try {
            while (true) {
                if (freeze) {
                    setFrozen(true);
                    awaitFrozen(Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));
                }
                List<Long> pids = new ArrayList<>(subtreeProcesses());
                pids.remove(Long.valueOf(self));
                if (pids.isEmpty()) return;
                for (long pid : pids) {
                    int err = Libc.kill(pid, Signals.SIGKILL);
                    if (err != 0 && err != Errno.ESRCH.number()) {
                        throw CgroupException.errno("send SIGKILL to pid " + pid + " in", directory(), err, null);
                    }
                }
                // Thawed, the killed processes run to their exit; frozen, they could not fork meanwhile.
                if (freeze) setFrozen(false);
                if (System.nanoTime() > deadline) {
                    throw CgroupException.failed("kill", directory(), "processes survive SIGKILL: " + pids);
                }
                sleep(pauseMs);
                pauseMs = Math.min(pauseMs * 2, 20);
            }
        } finally {
            if (freeze && exists()) {
                try {
                    setFrozen(wasFrozen);
                } catch (CgroupException e) {
                    if (exists()) throw e;
                }
            }
        }
    }

    private void awaitFrozen(long deadline) throws CgroupException {
        while (!events().frozen() && System.nanoTime() < deadline) sleep(1);
    }

    private void awaitGone(long deadline, long self, boolean selfInside, Duration timeout) throws CgroupException {
        long pauseMs = 1;
        boolean hasEvents = !selfInside && Files.exists(file("cgroup.events"));
        while (true) {
            List<Long> left = new ArrayList<>(subtreeProcesses());
            left.remove(Long.valueOf(self));
            if (left.isEmpty() && (!hasEvents || !events().populated())) return;
            if (System.nanoTime() > deadline) {
                throw CgroupException.failed("kill", directory(), "still populated after " + timeout.toMillis()
                        + " ms" + (left.isEmpty() ? " (processes exiting)" : ", processes left: " + left));
            }
            sleep(pauseMs);
            pauseMs = Math.min(pauseMs * 2, 20);
        }
    }

    /** {@link #signal(int, boolean)} without the SIGCONT. */
    public Set<Long> signal(int signal) throws CgroupException {
        return signal(signal, false);
    }

    /**
     * Sends {@code signal} to every process in the subtree, as systemd does for
     * {@code KillSignal=}: the cgroup is read again after each pass and newly appeared processes
     * get the signal too, until a pass finds none; processes that exit meanwhile are skipped.
     * With {@code thenContinue}, each signalled process also gets SIGCONT (so a stopped process
     * acts on the signal), except after SIGKILL and SIGCONT themselves. The calling process is
     * never signalled.
     *
     * @return the pids that were signalled
     */
    public Set<Long> signal(int signal, boolean thenContinue) throws CgroupException {
        if (signal <= 0 || signal > 64) throw new IllegalArgumentException("not a signal number: " + signal);
        long self = ProcessHandle.current().pid();
        Set<Long> done = new LinkedHashSet<>();
        for (int pass = 0; pass < 256; pass++) {
            boolean any = false;
            for (long pid : subtreeProcesses()) {
                if (pid == self || done.contains(pid)) continue;
                int err = Libc.kill(pid, signal);
                if (err == 0) {
                    done.add(pid);
                    any = true;
                } else if (err != Errno.ESRCH.number()) {
                    throw CgroupException.errno("send " + Signals.name(signal) + " to pid " + pid + " in", directory(), err, null);
                }
            }
            if (!any) break;
        }
        if (thenContinue && signal != Signals.SIGKILL && signal != Signals.SIGCONT) {
            for (long pid : done) Libc.kill(pid, Signals.SIGCONT); // ESRCH: it already went
        }
        return done;
    }

    // ---- delegation ---------------------------------------------------------------------

    /**
     * Hands the subtree to {@code uid}/{@code gid}, as systemd's {@code Delegate=yes} does: the
     * directory and the files the kernel lists in {@code /sys/kernel/cgroup/delegate} (where
     * present here; {@code cgroup.procs}, {@code cgroup.subtree_control}, {@code cgroup.threads}
     * on kernels without the list) change owner, so the delegatee can create children, move its
     * processes and enable controllers below, but not change the limits its parent set on it.
     * Existing descendants are the delegatee's entirely (directory and every file), as if it had
     * created them.
     */
    public void delegateTo(int uid, int gid) throws CgroupException {
        delegateTo(uid, gid, delegateFiles(KERNEL_DELEGATE_LIST));
    }

    void delegateTo(int uid, int gid, List<String> files) throws CgroupException {
        chown(directory(), uid, gid);
        markDelegated();
        for (String f : files) {
            Path p = file(f);
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) chown(p, uid, gid);
        }
        List<Cgroup> all = subtree();
        for (Cgroup c : all.subList(1, all.size())) {
            chown(c.directory(), uid, gid);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(c.directory())) {
                for (Path p : ds) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) chown(p, uid, gid);
                }
            } catch (IOException e) {
                throw CgroupException.io("delegate (list files of)", c.directory(), e);
            }
        }
    }

    /**
     * Sets the {@code user.delegate} extended attribute, as systemd does (beside
     * {@code trusted.delegate}, which the JDK cannot write) so tools and nested managers can tell
     * a delegated cgroup. Best effort: cgroupfs takes user xattrs only since 5.7.
     */
    private void markDelegated() {
        try {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(directory(), UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (v != null) v.write("delegate", ByteBuffer.wrap("1".getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot mark " + directory() + " delegated (user.delegate): " + e);
        }
    }

    /** Whether the cgroup carries systemd's (and our) {@code user.delegate} mark. */
    public boolean isMarkedDelegated() {
        try {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(directory(), UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (v == null || !v.list().contains("delegate")) return false;
            ByteBuffer b = ByteBuffer.allocate(v.size("delegate"));
            v.read("delegate", b);
            String value = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return value.equals("1") || value.equalsIgnoreCase("yes") || value.equalsIgnoreCase("true");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The kernel's list of delegatable files, or the 4.15 default where the list is missing. */
    static List<String> delegateFiles(Path list) throws CgroupException {
        String text;
        try {
            text = Files.readString(list);
        } catch (NoSuchFileException e) {
            return DEFAULT_DELEGATE_FILES;
        } catch (IOException e) {
            throw CgroupException.io("read", list, e);
        }
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String f = line.trim();
            if (!f.isEmpty() && !f.contains("/")) out.add(f);
        }
        return out;
    }

    private static void chown(Path p, int uid, int gid) throws CgroupException {
        try {
            Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw CgroupException.io("delegate (chown to " + uid + ":" + gid + ")", p, e);
        }
    }

    // ---- file access --------------------------------------------------------------------

    private String read(String name) throws CgroupException {
        Path f = file(name);
        try {
            return Files.readString(f);
        } catch (NoSuchFileException e) {
            throw CgroupException.errno("read", f, Errno.ENOENT.number(), exists()
                    ? "this cgroup has no " + name + (path.isRoot() ? " (the root cgroup lacks some files)" : " (older kernel?)")
                    : "the cgroup does not exist");
        } catch (IOException e) {
            throw CgroupException.io("read", f, e);
        }
    }

    private interface Explain {
        String why(Errno errno);
    }

    private void write(String name, String value, String operation, Explain explain) throws CgroupException {
        Path f = file(name);
        int err = Libc.writeFile(f, value.getBytes(StandardCharsets.UTF_8));
        if (err != 0) {
            String detail = explain.why(Errno.of(err));
            if (detail == null && (err == Errno.ENOENT.number()) && !exists()) detail = "the cgroup does not exist";
            throw CgroupException.errno(operation, f, err, detail);
        }
    }

    private interface IoSupplier<T> {
        T get() throws CgroupException;
    }

    private static String quietly(IoSupplier<?> s) {
        try {
            return String.valueOf(s.get());
        } catch (CgroupException e) {
            return "unreadable";
        }
    }

    static Set<String> words(String text) {
        Set<String> s = new LinkedHashSet<>();
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) s.add(w);
        }
        return Collections.unmodifiableSet(s);
    }

    private static List<Long> pids(String text) {
        Set<Long> s = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (!t.isEmpty()) s.add(Long.parseLong(t));
        }
        return List.copyOf(s);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
