package dev.tollgate.accounting;

/**
 * The value of a counters map (a one-entry PERCPU_ARRAY): eight u64 fields. Units use all
 * of them; slices only the passed ones.
 */
public final class CounterLayout {
    public static final int IN_PACKETS = 0;
    public static final int IN_BYTES = 8;
    public static final int OUT_PACKETS = 16;
    public static final int OUT_BYTES = 24;
    public static final int IN_DROPPED_PACKETS = 32;
    public static final int IN_DROPPED_BYTES = 40;
    public static final int OUT_DROPPED_PACKETS = 48;
    public static final int OUT_DROPPED_BYTES = 56;
    public static final int VALUE_SIZE = 64;

    private CounterLayout() {}
}
