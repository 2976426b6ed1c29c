/**
 * systemd.syntax(7) and the value syntaxes unit files share: the line format
 * ({@link dev.tollgate.units.syntax.UnitFileSyntax}), word splitting with quotes and C escapes
 * ({@link dev.tollgate.units.syntax.Words}), booleans, numbers, paths, time spans
 * ({@link dev.tollgate.units.syntax.TimeSpan}) and the {@code %} specifier engine. Each follows
 * the systemd function it is named after in its documentation.
 */
package dev.tollgate.units.syntax;
