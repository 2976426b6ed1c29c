/**
 * How a service runs: command lines of {@code ExecStart=} and friends (parsed now, environment
 * expanded at start), environment files, signals, service types, restart policies, output targets.
 */
package dev.tollgate.units.exec;
