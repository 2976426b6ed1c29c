package dev.tollgate.cli;

/**
 * systemctl's exit codes (systemctl(1) "EXIT STATUS", the LSB codes of
 * {@code src/basic/exit-status.h}), which tollctl uses the same way.
 */
public final class ExitCodes {
    public static final int SUCCESS = 0;
    /** Anything else that went wrong; is-failed when no unit failed (LSB "dead, pid file exists"). */
    public static final int FAILURE = 1;
    /** A command line picocli could not parse. */
    public static final int USAGE = 2;
    /** status, is-active: not running (LSB "program is not running"). */
    public static final int NOT_RUNNING = 3;
    /** status, is-active, is-failed: no such unit (LSB "status is unknown"); for changes: access denied (EXIT_NOPERMISSION). */
    public static final int UNKNOWN = 4;
    public static final int NO_PERMISSION = 4;
    /** start, stop, restart: no such unit (EXIT_NOTINSTALLED, as translate_bus_error_to_exit_status). */
    public static final int NOT_INSTALLED = 5;
    /** start, restart: the unit's file is bad (EXIT_NOTCONFIGURED). */
    public static final int NOT_CONFIGURED = 6;
    /** run --wait: the command was killed by a signal (systemd-run's EXIT_EXCEPTION). */
    public static final int EXCEPTION = 255;

    private ExitCodes() {}
}
