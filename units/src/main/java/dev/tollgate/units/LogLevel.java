package dev.tollgate.units;

/**
 * The level systemd logs a finding about a unit file at (the syslog levels notice, warning and
 * error), which also says how much a {@link UnitFileDiagnostic} matters. The API's
 * {@code Severity} is its form on the wire.
 *
 * <p>The rule is systemd's: a bad value is logged and the setting ignored (a {@link #WARNING});
 * only what makes systemd refuse the whole unit ("bad-setting", "failed to load") is an
 * {@link #ERROR}, and a unit with an error does not load.
 */
public enum LogLevel {
    /** Information: a value was read differently from how it is spelled (e.g. {@code journal} as inherit). */
    NOTICE,
    /** Something was ignored; the unit still loads. */
    WARNING,
    /** The unit cannot load. */
    ERROR,
}
