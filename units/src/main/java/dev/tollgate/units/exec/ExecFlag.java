package dev.tollgate.units.exec;

/**
 * The executable prefixes of systemd.service(5), table 1 ("Special executable prefixes"), other
 * than {@code @}, which shows in {@link ExecCommand#argv()} instead.
 */
public enum ExecFlag {
    /** {@code -}: a failure exit is recorded but treated as success. */
    IGNORE_FAILURE("-", true),
    /** {@code :}: no environment variable substitution in the arguments. */
    NO_ENV_EXPAND(":", true),
    /** {@code +}: run with full privileges, ignoring User=, Group= and sandboxing. */
    FULLY_PRIVILEGED("+", false),
    /** {@code !}: do not change user and group credentials. */
    NO_SETUID("!", false),
    /** {@code !!}: like {@code !}, only where ambient capabilities are missing. */
    AMBIENT_MAGIC("!!", false);

    private final String prefix;
    private final boolean supported;

    ExecFlag(String prefix, boolean supported) {
        this.prefix = prefix;
        this.supported = supported;
    }

    /** How the flag is written before the executable path. */
    public String prefix() {
        return prefix;
    }

    /** Whether tollgate implements the flag (the others are accepted with a warning). */
    public boolean isSupported() {
        return supported;
    }
}
