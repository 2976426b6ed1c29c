package dev.tollgate.daemon;

import dev.tollgate.api.ActiveState;

/** A slice's sub-state ({@code slice.c}): active while its cgroup exists. */
enum SliceState {
    DEAD("dead", ActiveState.INACTIVE),
    ACTIVE("active", ActiveState.ACTIVE);

    private final String spelling;
    private final ActiveState active;

    SliceState(String spelling, ActiveState active) {
        this.spelling = spelling;
        this.active = active;
    }

    String spelling() {
        return spelling;
    }

    ActiveState activeState() {
        return active;
    }
}
