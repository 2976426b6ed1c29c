package dev.tollgate.daemon;

import java.util.Locale;

/** systemd's high-level unit states. */
public enum ActiveState {
    INACTIVE, ACTIVATING, ACTIVE, DEACTIVATING, FAILED;

    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ActiveState parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public boolean isActiveOrActivating() {
        return this == ACTIVE || this == ACTIVATING || this == DEACTIVATING;
    }
}
