package dev.tollgate.daemon;

import dev.tollgate.api.ActiveState;

/**
 * A service's sub-state, with systemd's names and its mapping to the active state
 * ({@code service.c}'s state_translation_table). Only the states tollgated reaches: it has no
 * ExecCondition=, ExecReload=, ExecStopPost= or final-sigterm phase, so {@code condition},
 * {@code reload}, {@code stop-post}, {@code final-sigterm}, {@code final-sigkill} and
 * {@code cleaning} never occur.
 */
enum ServiceState {
    DEAD("dead", ActiveState.INACTIVE),
    START_PRE("start-pre", ActiveState.ACTIVATING),
    START("start", ActiveState.ACTIVATING),
    START_POST("start-post", ActiveState.ACTIVATING),
    RUNNING("running", ActiveState.ACTIVE),
    EXITED("exited", ActiveState.ACTIVE),
    STOP("stop", ActiveState.DEACTIVATING),
    STOP_SIGTERM("stop-sigterm", ActiveState.DEACTIVATING),
    STOP_SIGKILL("stop-sigkill", ActiveState.DEACTIVATING),
    FAILED("failed", ActiveState.FAILED),
    /** Waiting RestartSec= before the next start; activating, as systemd counts it. */
    AUTO_RESTART("auto-restart", ActiveState.ACTIVATING);

    private final String spelling;
    private final ActiveState active;

    ServiceState(String spelling, ActiveState active) {
        this.spelling = spelling;
        this.active = active;
    }

    String spelling() {
        return spelling;
    }

    ActiveState activeState() {
        return active;
    }

    /** Whether a start job is under way (the states of service_enter_start_pre to service_enter_running). */
    boolean isStarting() {
        return this == START_PRE || this == START || this == START_POST;
    }

    boolean isStopping() {
        return this == STOP || this == STOP_SIGTERM || this == STOP_SIGKILL;
    }

    /** Nothing of the unit runs and no job is under way: dead or failed. */
    boolean isInactive() {
        return this == DEAD || this == FAILED;
    }

    static ServiceState parse(String s) {
        for (ServiceState x : values()) if (x.spelling.equals(s)) return x;
        throw new IllegalArgumentException("unknown service state " + s);
    }
}
