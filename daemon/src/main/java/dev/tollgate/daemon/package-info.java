/**
 * tollgated: unit state machine, process supervision, the Varlink server.
 *
 * <p><b>The manager loop.</b> One thread, {@link dev.tollgate.daemon.ManagerLoop}, owns the
 * units: only code it runs reads or writes a {@link dev.tollgate.daemon.UnitRuntime}. Every
 * change is an event posted to it and handled in order: a request of an API worker (start,
 * stop, restart, daemon-reload, a transient run, enable's load), a process exit reported by the
 * child watcher's epoll thread, a READY=1 from a notify socket, a timer (RestartSec=,
 * TimeoutStartSec=, TimeoutStopSec=), adoption at boot, the boot and shutdown waves. Slow work —
 * loading programs through the datapath, spawning, waiting for processes to go during stop
 * escalation, reading many unit files — runs on the job pools and comes back as an event; the
 * loop itself never blocks. Jobs on one unit run one after another
 * ({@link dev.tollgate.daemon.ServiceLifecycle#job}); a requester waits on the job's future,
 * which completes only after the outcome is published.
 *
 * <p><b>The snapshot.</b> After each batch of events the loop publishes an immutable map of
 * {@link dev.tollgate.daemon.UnitRecord}s ({@link dev.tollgate.daemon.Units#snapshot()}).
 * Queries (ListUnits, GetUnit, GetCounters, metrics, the state file, Subscribe's notifications)
 * read that snapshot and the kernel (counters, cgroup members), never the loop, so a query does
 * not wait behind a change in progress.
 *
 * <p>The lifecycle runs against small ports — {@link dev.tollgate.daemon.ProcessLauncher},
 * {@link dev.tollgate.daemon.CgroupOps}, {@link dev.tollgate.daemon.Datapath},
 * {@link dev.tollgate.daemon.Timers} — whose real implementations wrap the spawner, cgroupfs and
 * the accounting module, and which the unit tests replace with fakes.
 */
package dev.tollgate.daemon;
