package dev.tollgate.daemon;

import dev.tollgate.units.UnitFileDiagnostic;
import java.util.List;

/** A request the manager cannot carry out, with the kind the API maps to an error name. */
public final class ManagerException extends RuntimeException {
    public enum Kind { NO_SUCH_UNIT, UNIT_FAILED, INVALID_UNIT, UNIT_MASKED, UNIT_EXISTS, BAD_REQUEST, NOT_RUNNING }

    private final Kind kind;
    private final String unit;
    private final String result;
    private final List<UnitFileDiagnostic> diagnostics;

    public ManagerException(Kind kind, String unit, String message) {
        this(kind, unit, message, null, java.util.List.of());
    }

    public ManagerException(Kind kind, String unit, String message, String result,
                            List<UnitFileDiagnostic> diagnostics) {
        super(message);
        this.kind = kind;
        this.unit = unit;
        this.result = result;
        this.diagnostics = java.util.List.copyOf(diagnostics);
    }

    /** For a failed unit: its Result= (exit-code, signal, timeout, resources, ...), if it got that far. */
    public java.util.Optional<String> result() {
        return java.util.Optional.ofNullable(result);
    }

    /** For a unit that cannot load: the loader's diagnostics, with file:line and directive. */
    public List<UnitFileDiagnostic> diagnostics() {
        return diagnostics;
    }

    public Kind kind() {
        return kind;
    }

    public String unit() {
        return unit;
    }
}
