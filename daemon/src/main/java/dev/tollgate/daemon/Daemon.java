package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.bpf.features.Features;
import dev.tollgate.bpf.link.AttachMode;
import dev.tollgate.cgroup.Cgroup2Mount;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.CgroupPath;
import dev.tollgate.cgroup.CgroupRoot;
import dev.tollgate.units.HostFacts;
import dev.tollgate.units.UnitLoader;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * One running tollgated: finds its cgroup root, probes the kernel, takes over what a previous
 * instance left running, starts the enabled units, and serves until told to stop.
 */
public final class Daemon implements AutoCloseable {
    private final DaemonConfig config;
    private final CountDownLatch stop = new CountDownLatch(1);
    private Manager manager;
    private Accounting accounting;
    private CgroupRoot root;
    private Features features;
    private Optional<AttachMode> mode = Optional.empty();

    public Daemon(DaemonConfig config) {
        this.config = config;
    }

    public Manager manager() {
        return manager;
    }

    public Features features() {
        return features;
    }

    public Optional<AttachMode> attachMode() {
        return mode;
    }

    public DaemonConfig config() {
        return config;
    }

    /** Brings the daemon up; returns once the enabled units were started. */
    public void start() throws CgroupException {
        Log.setLevel(config.logLevel());
        Cgroup2Mount mount = Cgroup2Mount.current();
        root = CgroupRoot.detect(mount, config.cgroupRoot().map(CgroupPath::parse)).prepare();
        Log.info("cgroup root %s (%s)", root.cgroup().directory(), root.reason());
        features = Features.probe(Optional.of(mount.mountPoint()), root.cgroup().directory());
        String off = "";
        try {
            mode = Optional.of(features.chooseMode(config.attachMode()));
            accounting = new Accounting(config.bpffsDir(), mode.get());
            Log.info("attach mode %s (%s); pins under %s", mode.get().configName(), mode.get().mechanism, config.bpffsDir());
        } catch (IllegalStateException e) {
            if (config.attachMode().isPresent()) throw e;
            off = e.getMessage();
            Log.warning("cgroup BPF is unavailable, units run without IP accounting and firewall: %s", off);
        }
        UnitLoader loader = new UnitLoader(config.unitsPath(), HostFacts.probe());
        manager = new Manager(new Manager.Context(loader, root, accounting, off, config.stateDir()));
        manager.loadAll();
        manager.adoptFromState();
        manager.startDefaultTarget();
    }

    /** Blocks until {@link #requestStop()}. */
    public void awaitStop() throws InterruptedException {
        stop.await();
    }

    public void requestStop() {
        stop.countDown();
    }

    /** Stops the units and removes every kernel object of ours, or (on-exit = keep) leaves them running. */
    @Override
    public void close() {
        if (manager != null) {
            manager.shutdown(!config.keepUnitsOnExit());
            manager.close();
        }
        if (accounting != null) {
            if (config.keepUnitsOnExit()) accounting.close();
            else accounting.removeAll();
        }
        if (root != null && !config.keepUnitsOnExit() && root.placement() != CgroupRoot.Placement.SYSTEMD_DELEGATED) {
            try {
                if (root.cgroup().exists() && root.cgroup().subtreeProcesses().isEmpty()) root.cgroup().remove();
            } catch (CgroupException e) {
                Log.warning("cannot remove %s: %s", root.cgroup().directory(), e.getMessage());
            }
        }
    }
}
