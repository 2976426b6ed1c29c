/**
 * The {@code io.tollgate.Manager} Varlink interface: its description ({@link dev.tollgate.api.ManagerInterface}),
 * the records of its calls, replies, types and errors ({@link dev.tollgate.api.Messages},
 * {@link dev.tollgate.api.UnitInfo}, {@link dev.tollgate.api.ManagerError}, ...), the server side
 * the daemon implements ({@link dev.tollgate.api.ManagerService} behind
 * {@link dev.tollgate.api.ManagerHandler}) and the client the CLI uses
 * ({@link dev.tollgate.api.ManagerClient}). The Varlink machinery itself is in
 * {@link dev.tollgate.varlink}; none of it knows about BPF or cgroups.
 */
package dev.tollgate.api;
