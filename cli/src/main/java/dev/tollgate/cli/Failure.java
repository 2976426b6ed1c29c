package dev.tollgate.cli;

/**
 * A command that ends with an exit code and, unless null, one message for stderr. Thrown
 * from a verb, caught once in {@link Tollctl}.
 */
public final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public Failure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
