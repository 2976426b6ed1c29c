package dev.tollgate.cgroup;

import dev.tollgate.libc.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The cgroup under which tollgate owns everything: {@code -.slice} maps to it, and every slice
 * and service below. Optionally with a leaf child that holds the daemon itself.
 *
 * <p>The default ({@link #choose}) depends on who PID 1 is:
 * <ul>
 * <li><b>Not systemd</b> (containers, VMs, appliances): a {@value #DEFAULT_NAME} child of the
 *     cgroup2 mount's root. Nobody else claims it, and the daemon may stay where it is (the root
 *     cgroup is exempt from the rule below).</li>
 * <li><b>systemd</b>: systemd owns the whole tree except subtrees it delegates, so tollgated runs
 *     as a {@code Delegate=yes} service and manages its own service cgroup. A cgroup that enables
 *     controllers for its children may hold no processes itself ("no internal processes"), so
 *     the daemon moves into a leaf child, {@value #DAEMON_LEAF}, which cannot clash with a unit's
 *     cgroup (those all end in a unit type suffix).</li>
 * </ul>
 *
 * <p>"systemd is PID 1" means both: {@code /run/systemd/system} is a directory — the test
 * {@code sd_booted(3)} uses; systemd creates it on the tmpfs {@code /run} at boot, so it is
 * absent in a container whose init is something else, even if the image ships systemd — and
 * {@code /proc/1/comm} is {@code systemd}, which guards against a {@code /run} bind-mounted from a
 * systemd host into a container (where the directory exists but our PID 1 is not systemd).
 * Either alone can mislead; the cost of a wrong "yes" is taking over a cgroup systemd manages.
 *
 * @param cgroup the root
 * @param daemonLeaf where the daemon's own process lives, if inside the root
 * @param placement how the root was chosen
 * @param reason one line for logs and status output: which root and why
 */
public record CgroupRoot(Cgroup cgroup, Optional<Cgroup> daemonLeaf, Placement placement, String reason) {

    public static final String DEFAULT_NAME = "tollgate";
    public static final String DAEMON_LEAF = "tollgated";

    static final Path RUN_SYSTEMD_SYSTEM = Path.of("/run/systemd/system");
    static final Path PROC_1_COMM = Path.of("/proc/1/comm");

    public enum Placement {
        /** Given by configuration. */
        CONFIGURED,
        /** PID 1 is not systemd: a {@value CgroupRoot#DEFAULT_NAME} child of the cgroup2 root. */
        STANDALONE,
        /** PID 1 is systemd: the daemon's own (delegated) service cgroup. */
        SYSTEMD_DELEGATED
    }

    public CgroupRoot {
        if (daemonLeaf.isPresent() && !daemonLeaf.get().parent().equals(Optional.of(cgroup))) {
            throw new IllegalArgumentException("daemon leaf " + daemonLeaf.get() + " is not a child of the root " + cgroup);
        }
    }

    /**
     * What decides the default root.
     *
     * @param runSystemdSystem {@code /run/systemd/system} is a directory
     * @param pid1Comm {@code /proc/1/comm}, if readable
     * @param ownCgroup this process's cgroup below the mount point, if the mount shows it
     * @param ownCgroupDelegated systemd marked the process's cgroup as delegated
     *     ({@code user.delegate} extended attribute, systemd 251+)
     */
    public record Host(boolean runSystemdSystem, Optional<String> pid1Comm, Optional<CgroupPath> ownCgroup,
                       boolean ownCgroupDelegated) {

        public boolean systemdIsPid1() {
            return runSystemdSystem && pid1Comm.map("systemd"::equals).orElse(false);
        }

        /** Reads the facts from this host. */
        public static Host probe(Cgroup2Mount mount) throws CgroupException {
            boolean run = Files.isDirectory(RUN_SYSTEMD_SYSTEM);
            Optional<String> comm;
            try {
                comm = Optional.of(Files.readString(PROC_1_COMM).trim());
            } catch (IOException e) {
                comm = Optional.empty();
            }
            Optional<CgroupPath> own = mount.belowMountPoint(Cgroup2Mount.ownCgroupPath());
            boolean delegated = own.map(p -> mount.cgroup(p).isMarkedDelegated()).orElse(false);
            return new Host(run, comm, own, delegated);
        }
    }

    /** {@link #choose} with the facts of this host. */
    public static CgroupRoot detect(Cgroup2Mount mount, Optional<CgroupPath> configured) throws CgroupException {
        return choose(mount, Host.probe(mount), configured);
    }

    /**
     * The root for {@code host}: {@code configured} (a path below the mount point) if given,
     * else the default described on this class. A daemon leaf is set whenever the daemon's own
     * cgroup is the root (or already that leaf).
     *
     * @throws IllegalStateException where tollgate cannot place itself safely: under systemd in
     *     the root cgroup, or running inside a cgroup of the tree it would manage
     */
    public static CgroupRoot choose(Cgroup2Mount mount, Host host, Optional<CgroupPath> configured) {
        Optional<CgroupPath> own = host.ownCgroup();
        if (configured.isPresent()) {
            CgroupPath root = configured.get();
            return withLeafIfInside(mount, root, own, Placement.CONFIGURED, "configured root " + root);
        }
        if (host.systemdIsPid1()) {
            CgroupPath base = own.orElseThrow(() -> new IllegalStateException(
                    "systemd is PID 1, but this process's cgroup is not visible under " + mount.mountPoint()
                            + "; configure the root explicitly"));
            if (base.name().equals(DAEMON_LEAF) && base.parent().isPresent()) base = base.parent().get(); // already moved
            if (base.isRoot()) {
                throw new IllegalStateException("systemd is PID 1 and owns the cgroup tree, but tollgated runs in the root"
                        + " cgroup: run it as a service with Delegate=yes (tollgated.service), or configure a root");
            }
            String why = "systemd is PID 1 (" + RUN_SYSTEMD_SYSTEM + " exists, " + PROC_1_COMM
                    + " is systemd): managing the daemon's own service cgroup " + base
                    + (host.ownCgroupDelegated() ? " (delegated by systemd)"
                            : " (not marked delegated: does the service have Delegate=yes?)");
            Cgroup root = mount.cgroup(base);
            return new CgroupRoot(root, Optional.of(root.child(DAEMON_LEAF)), Placement.SYSTEMD_DELEGATED, why);
        }
        CgroupPath root = CgroupPath.of(DEFAULT_NAME);
        String why = "PID 1 is not systemd (" + (host.runSystemdSystem() ? "" : "no " + RUN_SYSTEMD_SYSTEM + ", ")
                + PROC_1_COMM + " is " + host.pid1Comm().orElse("unreadable") + "): managing " + root
                + " under " + mount.mountPoint();
        return withLeafIfInside(mount, root, own, Placement.STANDALONE, why);
    }

    private static CgroupRoot withLeafIfInside(Cgroup2Mount mount, CgroupPath root, Optional<CgroupPath> own,
                                               Placement placement, String why) {
        Cgroup rootCg = mount.cgroup(root);
        Cgroup leaf = rootCg.child(DAEMON_LEAF);
        if (own.isPresent() && own.get().startsWith(root)) {
            if (own.get().equals(root) || own.get().equals(leaf.path())) {
                return new CgroupRoot(rootCg, Optional.of(leaf), placement, why + ", the daemon in " + leaf.path());
            }
            throw new IllegalStateException("tollgated runs in " + own.get() + ", inside the tree it would manage ("
                    + root + "); start it outside, in " + root + " itself, or configure another root");
        }
        return new CgroupRoot(rootCg, Optional.empty(), placement, why);
    }

    /**
     * Makes the root usable: creates it (and the leaf), and moves every process directly in the
     * root — the daemon, and any helper it left there — into the leaf, so the root may enable
     * controllers for its children. Idempotent.
     */
    public CgroupRoot prepare() throws CgroupException {
        cgroup.create();
        if (daemonLeaf.isPresent()) {
            Cgroup leaf = daemonLeaf.get().create();
            for (long pid : cgroup.processes()) {
                try {
                    leaf.moveIn(pid);
                } catch (CgroupException e) {
                    if (!e.is(Errno.ESRCH)) throw e; // exited meanwhile
                }
            }
        }
        return this;
    }

    /** The cgroup at {@code relative} below the root. */
    public Cgroup resolve(CgroupPath relative) {
        return cgroup.resolve(relative);
    }

    /** Where slice {@code slice} lives ({@code -.slice} is the root itself). */
    public Cgroup slice(String slice) {
        return resolve(CgroupPath.ofSlice(slice));
    }

    /** Where unit {@code unit} of slice {@code slice} lives. */
    public Cgroup unit(String unit, String slice) {
        return resolve(CgroupPath.ofUnit(unit, slice));
    }
}
