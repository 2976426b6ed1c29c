package dev.tollgate.daemon;

/**
 * Why a service's last run ended (systemd's ServiceResult, {@code Result=}). The first failure
 * of a run is kept: a stop that times out after the main process failed stays exit-code.
 * {@code watchdog} and {@code core-dump} are here for the Restart= rules that name them;
 * tollgated has no WatchdogSec= and reads no core-dump flag, so it does not reach them.
 */
enum ServiceResult {
    SUCCESS("success"),
    /** A resource the run needs could not be set up: cgroup, credentials, environment file, programs. */
    RESOURCES("resources"),
    /** The service broke the protocol of its type: a Type=notify main exited cleanly before READY=1. */
    PROTOCOL("protocol"),
    TIMEOUT("timeout"),
    EXIT_CODE("exit-code"),
    SIGNAL("signal"),
    CORE_DUMP("core-dump"),
    WATCHDOG("watchdog");

    private final String spelling;

    ServiceResult(String spelling) {
        this.spelling = spelling;
    }

    String spelling() {
        return spelling;
    }

    boolean isSuccess() {
        return this == SUCCESS;
    }

    /** The first failure wins, as service_enter_* keep {@code s->result} once it is not success. */
    ServiceResult or(ServiceResult later) {
        return this == SUCCESS ? later : this;
    }

    static ServiceResult parse(String s) {
        for (ServiceResult r : values()) if (r.spelling.equals(s)) return r;
        throw new IllegalArgumentException("unknown service result " + s);
    }
}
