package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.api.ManagerHandler;
import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.cgroup.Cgroup2Mount;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.CgroupPath;
import dev.tollgate.cgroup.CgroupRoot;
import dev.tollgate.units.HostFacts;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.varlink.CallContext;
import dev.tollgate.varlink.PeerCredentials;
import dev.tollgate.varlink.ServerLimits;
import dev.tollgate.varlink.VarlinkServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private Capabilities features;
    private Optional<AttachMechanism> mode = Optional.empty();
    private String bpfOffReason = "";
    private DaemonMetrics metrics;
    private VarlinkServer server;
    /** Gives back the heap a burst of requests grew (see HeapTrim); told after every call. */
    private final HeapTrim heapTrim = HeapTrim.ofRuntime();
    private DropEvents dropEvents; // null without a datapath or ring buffers
    /** The state and socket directories this daemon made (a clean stop removes them if empty), deepest first. */
    private final List<Path> madeDirectories = new ArrayList<>();

    public Daemon(DaemonConfig config) {
        this.config = config;
    }

    public Manager manager() {
        return manager;
    }

    public Capabilities features() {
        return features;
    }

    public Optional<AttachMechanism> attachMode() {
        return mode;
    }

    public DaemonConfig config() {
        return config;
    }

    public String bpfOffReason() {
        return bpfOffReason;
    }

    public DaemonMetrics metrics() {
        return metrics;
    }

    /** The drop event reader; empty when there are none, with the reason from {@link #dropEventsUnavailable}. */
    Optional<DropEvents> dropEvents() {
        return Optional.ofNullable(dropEvents);
    }

    String dropEventsUnavailable() {
        if (accounting == null) return "no cgroup BPF datapath: " + bpfOffReason;
        return accounting.dropEventsUnavailable().orElse("the drop event reader is not running");
    }

    /** Re-reads the unit files and applies the differences, telling systemd (if it runs us) around it. */
    public Manager.ReloadReport reload() {
        String notify = System.getenv("NOTIFY_SOCKET");
        NotifySocket.send(notify, "RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
        long t0 = System.nanoTime();
        try {
            Manager.ReloadReport r = manager.reload();
            Log.info("reload done: %d unit(s) changed, %d error(s)", r.changed().size(), r.errors().size());
            for (int i = 0; i < r.errors().size(); i++) metrics.error("unit-file");
            return r;
        } finally {
            metrics.timer("reload").record(java.time.Duration.ofNanos(System.nanoTime() - t0));
            NotifySocket.send(notify, "READY=1\nSTATUS=Running");
        }
    }

    /** Brings the daemon up; returns once the enabled units were started (the boot is over: the state is running or degraded). */
    public void start() throws CgroupException {
        Log.setLevel(config.logLevel());
        for (Path d : List.of(config.stateDir(), config.socket().getParent())) {
            if (!Files.exists(d) && !madeDirectories.contains(d)) madeDirectories.add(d);
        }
        Cgroup2Mount mount = Cgroup2Mount.current();
        root = CgroupRoot.detect(mount, config.cgroupRoot().map(CgroupPath::parse)).prepare();
        Log.info("cgroup root %s (%s)", root.cgroup().directory(), root.reason());
        features = Capabilities.of(Optional.of(mount.mountPoint()), root.cgroup().directory());
        String off = "";
        boolean unfilteredAllowed = false;
        // A forced mode the kernel lacks stops the daemon (chooseMode says why).
        mode = config.attachMode().isPresent() ? Optional.of(features.chooseMode(config.attachMode()))
                : features.bestMode();
        if (mode.isEmpty()) {
            off = "cgroup BPF is unavailable: " + features.chooseModeFailure();
            unfilteredAllowed = config.runFirewalledUnitsWithoutCgroupBpf();
            Log.warning("%s: units run without IP accounting; units with a firewall %s", off,
                    unfilteredAllowed ? "run unfiltered (firewall-unavailable = run)" : "are refused (firewall-unavailable = refuse)");
        } else {
            try {
                accounting = new Accounting(config.bpffsDir(), mode.get(), config.programs().orElseGet(Accounting.ProgramSharing::probe));
                Log.info("attach mode %s (%s); %s; pins under %s", mode.get().configName(), mode.get().mechanism,
                        accounting.sharing() == Accounting.ProgramSharing.SHARED
                                ? "units of one policy shape share programs (counters in cgroup storage)"
                                : "each unit loads its own programs", config.bpffsDir());
            } catch (RuntimeException e) {
                // The kernel has cgroup BPF but our datapath cannot be set up (say, the bpffs
                // directory is not on bpffs): units with a firewall must not run unfiltered.
                off = "the datapath cannot be set up: " + e.getMessage();
                Log.error("%s; units with a firewall are refused, others run without IP accounting", off);
            }
        }
        bpfOffReason = off;
        UnitLoader loader = new UnitLoader(config.unitsPath(), HostFacts.probe());
        try {
            Spawner.useRendezvousDirectory(config.stateDir().resolve("spawn"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + config.stateDir().resolve("spawn") + ": " + e.getMessage(), e);
        }
        manager = new Manager(new Manager.Context(loader, root, accounting, off, unfilteredAllowed, config.stateDir()));
        metrics = new DaemonMetrics(manager);
        metrics.datapath(accounting != null, accounting != null ? mode.get().configName() : "none");
        long t0 = System.nanoTime();
        manager.loadAll();
        manager.adoptFromState();
        // After adoption, so the events of the outage (in the pinned ring) find their units' names.
        startDropEvents();
        // Served before the boot, as systemd answers during its own: a client sees the state
        // starting (GetSystemState) and the units coming up, and can wait for the boot to end.
        server = serve();
        manager.startDefaultTarget();
        metrics.timer("startup").record(java.time.Duration.ofNanos(System.nanoTime() - t0));
        if (config.metricsListen().isPresent()) {
            try {
                metrics.serveHttp(config.metricsListen().get());
            } catch (IOException | RuntimeException e) {
                Log.error("cannot serve metrics on %s: %s", config.metricsListen().get(), e.getMessage());
            }
        }
    }

    private void startDropEvents() {
        if (accounting == null) return;
        if (accounting.dropRing().isEmpty()) {
            Log.warning("%s", dropEventsUnavailable());
            return;
        }
        try {
            dropEvents = DropEvents.start(accounting);
            metrics.dropEvents(dropEvents::counters);
        } catch (RuntimeException e) {
            Log.error("cannot read drop events: %s", e.getMessage());
        }
    }

    private VarlinkServer serve() {
        Optional<Integer> adminGid = config.adminGroup().map(g -> Credentials.resolve(Optional.empty(), Optional.of(g)).gid());
        try {
            Files.createDirectories(config.socket().getParent());
            VarlinkServer s = ManagerHandler.register(VarlinkServer.builder(config.socket()), new ManagerApi(this, adminGid))
                    .info("tollgate", "tollgated", "0.1.0", "https://tollgate.dev")
                    .limits(ServerLimits.defaults())
                    .observer(new VarlinkServer.Observer() {
                        @Override
                        public void callFinished(CallContext ctx, String error, long nanos) {
                            metrics.timer("request", "method", ctx.method(), "error", error == null ? "none" : error)
                                    .record(java.time.Duration.ofNanos(nanos));
                            heapTrim.afterCall();
                        }

                        @Override
                        public void protocolError(long connection, PeerCredentials peer, String reason) {
                            metrics.error("protocol");
                            Log.warning("client %s sent bad input: %s", peer, reason);
                        }

                        @Override
                        public void connectionRejected(PeerCredentials peer, String reason) {
                            metrics.error("connection-rejected");
                            Log.warning("turned away a client (%s): %s", peer, reason);
                        }
                    })
                    .start();
            Log.info("serving io.tollgate.Manager on %s", config.socket());
            return s;
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve on " + config.socket() + ": " + e.getMessage(), e);
        }
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
        // The socket is served while the units stop, as systemd answers while it shuts down: the
        // state is stopping, and changes are refused (NotRunning).
        if (manager != null) manager.shutdown(!config.keepUnitsOnExit());
        if (server != null) server.close();
        if (dropEvents != null) dropEvents.close();
        if (metrics != null) metrics.close();
        if (manager != null) manager.close();
        Spawner.releaseRendezvousDirectory();
        if (accounting != null) {
            if (config.keepUnitsOnExit()) accounting.close();
            else accounting.removeAll();
        }
        if (!config.keepUnitsOnExit()) {
            // What we made and left empty (a state file kept for the next daemon keeps its directory).
            for (Path d : madeDirectories) {
                try {
                    Files.deleteIfExists(d);
                } catch (IOException notEmptyOrGone) {
                    Log.debug("leaving %s: %s", d, notEmptyOrGone);
                }
            }
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
