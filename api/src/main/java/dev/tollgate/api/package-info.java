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
 * {@code UnitType}): they are what the wire and users see. A module may have the same concept
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
 *     with nulls) and {@code units.UnitSuffix} (every type systemd knows by its name's suffix;
 *     ours is the three a unit of tollgate's can be).
 * </ul>
 * None is reused today: each of the four differs from the wire type in form (field order,
 * optionals, kernel flags, a wider set of values), and the wire types bind to Jackson, which
 * {@code units} does not depend on.
 */
package dev.tollgate.api;
