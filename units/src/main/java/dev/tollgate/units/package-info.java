/**
 * systemd unit files as systemd 252 reads them, turned into the typed configuration tollgate runs.
 *
 * <p>Entry point: {@link dev.tollgate.units.UnitLoader}. {@code load("web.service")} searches the
 * search path (first directory wins; an instance falls back to its template; empty files and links
 * to {@code /dev/null} mask; links to other unit files are aliases), applies the drop-ins
 * ({@code NAME.d/}, template, dash-prefix and type-wide directories), and returns a
 * {@link dev.tollgate.units.LoadResult}: {@code Loaded} with a {@link dev.tollgate.units.UnitConfig}
 * ({@link dev.tollgate.units.SliceConfig} or {@link dev.tollgate.units.ServiceConfig}), or
 * {@code Masked}, {@code NotFound}, {@code Failed}
 * with the reason. Every message is a {@link UnitFileDiagnostic} naming file, line,
 * section and directive. Nothing throws for bad input, and one bad unit never stops another.
 *
 * <p>The rule for severities is systemd's: a value systemd would ignore is ignored here with a
 * warning (the unit loads), and what makes systemd refuse a unit makes it fail here. Directives
 * systemd knows but tollgate does not implement are warnings, never errors.
 *
 * <p>Subpackages: {@code syntax} (the file format, quoting, escapes, booleans, time spans,
 * specifiers), {@code net} (IP prefixes and lists, socket-bind rules, BPF program references),
 * {@code exec} (command lines, environment, signals, service types), {@code directives} (the
 * directive tables, one file per concern). This module knows nothing of the kernel, BPF or cgroup
 * directories.
 */
package dev.tollgate.units;
