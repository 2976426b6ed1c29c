package dev.tollgate.daemon;

/** A request the manager cannot carry out, with the kind the API maps to an error name. */
public final class ManagerException extends RuntimeException {
    public enum Kind { NO_SUCH_UNIT, UNIT_FAILED, INVALID_UNIT, UNIT_MASKED, BAD_REQUEST }

    private final Kind kind;
    private final String unit;

    public ManagerException(Kind kind, String unit, String message) {
        super(message);
        this.kind = kind;
        this.unit = unit;
    }

    public Kind kind() {
        return kind;
    }

    public String unit() {
        return unit;
    }
}
