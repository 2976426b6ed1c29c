package dev.tollgate.accounting;

/** A unit's policy cannot be put on its cgroup as asked, and why (with what would allow it). */
public final class PolicyRefused extends RuntimeException {
    private final String unit;

    public PolicyRefused(String unit, String reason) {
        super(unit + ": " + reason);
        this.unit = unit;
    }

    public String unit() {
        return unit;
    }
}
