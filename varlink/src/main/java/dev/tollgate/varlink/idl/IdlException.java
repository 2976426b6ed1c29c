package dev.tollgate.varlink.idl;

/** An interface description that is not valid: where, and why. */
public final class IdlException extends Exception {
    private final int line;
    private final int column;
    private final String reason;

    public IdlException(int line, int column, String reason) {
        super(line > 0 ? line + ":" + column + ": " + reason : reason);
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    /** 1-based; 0 when the problem is not at one place (a name used but never declared). */
    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public String reason() {
        return reason;
    }
}
