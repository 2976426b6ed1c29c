/**
 * The {@code io.tollgate.Manager} Varlink interface: its description ({@link dev.tollgate.api.ManagerInterface}),
 * the records of its calls, replies, types and errors ({@link dev.tollgate.api.Messages},
 * {@link dev.tollgate.api.UnitInfo}, {@link dev.tollgate.api.ManagerError}, ...), the server side
 * the daemon implements ({@link dev.tollgate.api.ManagerService} behind
 * {@link dev.tollgate.api.ManagerHandler}) and the client the CLI uses
 * ({@link dev.tollgate.api.ManagerClient}). The Varlink machinery itself is in
 * {@link dev.tollgate.varlink}; none of it knows about BPF or cgroups.
 *
 * <h2>Names</h2>
 * A name means one thing across the modules. The types here keep the names the interface
 * description gives them ({@code Counters}, {@code AttachMode}, {@code Diagnostic},
 * {@code Severity}, {@code UnitType}, {@code DropEvent}): they are what the wire and users see. A module may have the same concept
 * in a form of its own; then:
 * <ul>
 * <li>if it is the same concept in the same form and lives in a module without kernel
 *     dependencies ({@code units} requires nothing; {@code cli} may use {@code units}, never
 *     {@code bpf-syscall} or {@code accounting}), this package may use that type instead of a
 *     copy;
 * <li>otherwise the other module's type is named for what it is in its own domain, and the
 *     daemon converts it in one place: {@code accounting.CounterSums} (a counters map's value
 *     summed over the CPUs, in the map's layout order, packets first), {@code bpf.link.AttachMechanism}
 *     (the bpf(2) mechanism and its flags; its {@code configName} is our {@code AttachMode}),
 *     {@code units.UnitFileDiagnostic} (with {@code Optional}s and a path; ours is its wire form
 *     with nulls), {@code units.LogLevel} (the syslog level systemd logs a unit-file finding
 *     at; ours is its wire name), {@code units.UnitSuffix} (every type systemd knows by its
 *     name's suffix; ours is the three a unit of tollgate's can be) and
 *     {@code accounting.DropRecord} (a ring-buffer record as the program wrote it: monotonic
 *     time, the unit's map id, addresses as bytes; ours has wall-clock time, the unit's name
 *     and addresses as text).
 * </ul>
 * None is reused today: each of these differs from the wire type in form (field order,
 * optionals, kernel flags, a wider set of values), and the wire types bind to Jackson, which
 * {@code units} does not depend on.
 *
 * <p>Outside this package the same rule holds between the other modules: one simple name per
 * class across every module's main code ({@code units.net.ForeignProgram}, a
 * {@code BPFProgram=} entry, beside {@code bpf.BpfProgram}, a loaded program;
 * {@code cli.SignalNames}, systemd's names for signal numbers, beside {@code cgroup.Signals}).
 */
package dev.tollgate.api;
