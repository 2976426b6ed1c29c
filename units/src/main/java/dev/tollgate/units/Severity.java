package dev.tollgate.units;

/**
 * How much a {@link UnitFileDiagnostic} matters.
 *
 * <p>The rule is systemd's: a bad value is logged and the setting ignored (a {@link #WARNING});
 * only what makes systemd refuse the whole unit ("bad-setting", "failed to load") is an
 * {@link #ERROR}, and a unit with an error does not load.
 */
public enum Severity {
    /** Information: a value was read differently from how it is spelled (e.g. {@code journal} as inherit). */
    NOTICE,
    /** Something was ignored; the unit still loads. */
    WARNING,
    /** The unit cannot load. */
    ERROR,
}
