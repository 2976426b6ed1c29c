package dev.tollgate.daemon;

import dev.tollgate.units.exec.RestartPolicy;

/**
 * The one place that decides whether a service that ended is started again, as
 * {@code service_shall_restart} does: Restart= against the run's result. A stop asked for (a
 * stop job, shutdown) never restarts; a start that failed is not restarted either (tollgated
 * fails the start job instead; see the README). There is no RestartPreventExitStatus= yet.
 */
final class RestartRule {
    private RestartRule() {}

    static boolean shallRestart(RestartPolicy policy, ServiceResult result) {
        return switch (policy) {
            case NO -> false;
            case ALWAYS -> true;
            case ON_SUCCESS -> result == ServiceResult.SUCCESS;
            case ON_FAILURE -> result != ServiceResult.SUCCESS;
            // Not a clean exit code: signals, timeouts, the watchdog, resources, protocol.
            case ON_ABNORMAL -> result != ServiceResult.SUCCESS && result != ServiceResult.EXIT_CODE;
            case ON_WATCHDOG -> result == ServiceResult.WATCHDOG;
            case ON_ABORT -> result == ServiceResult.SIGNAL || result == ServiceResult.CORE_DUMP;
        };
    }
}
