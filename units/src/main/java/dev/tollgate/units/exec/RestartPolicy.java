package dev.tollgate.units.exec;

import java.util.Optional;

/** {@code Restart=} of systemd.service(5), table 2 ("Exit causes and the effect of the Restart= settings"). */
public enum RestartPolicy {
    NO("no"),
    ON_SUCCESS("on-success"),
    ON_FAILURE("on-failure"),
    ON_ABNORMAL("on-abnormal"),
    ON_WATCHDOG("on-watchdog"),
    ON_ABORT("on-abort"),
    ALWAYS("always");

    private final String spelling;

    RestartPolicy(String spelling) {
        this.spelling = spelling;
    }

    public String spelling() {
        return spelling;
    }

    public static Optional<RestartPolicy> parse(String s) {
        for (RestartPolicy r : values()) {
            if (r.spelling.equals(s)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return spelling;
    }
}
