/**
 * The directive tables: each concern ({@code [Unit]}, resource control, execution, killing,
 * {@code [Service]}, {@code [Install]}) registers its directives, each mapped to
 * a parser that reads one assignment into a {@link dev.tollgate.units.directives.UnitDraft}, as in
 * systemd's load-fragment.c. Internal to the module; use {@link dev.tollgate.units.UnitLoader}.
 */
package dev.tollgate.units.directives;
