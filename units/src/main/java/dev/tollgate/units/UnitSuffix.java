package dev.tollgate.units;

import java.util.Optional;

/**
 * The unit types systemd knows, by the suffix of their names ({@code .service}). All make a unit name valid (so {@code After=network.target}
 * is a well-formed dependency); tollgate loads and runs {@link #SERVICE} and {@link #SLICE}. It
 * makes no {@link #SCOPE}: a scope adopts processes started elsewhere, which nothing of
 * tollgate's asks for, and systemd never loads one from a unit file either. The API's
 * {@code UnitType} is the narrower set a unit of tollgate's can be (service, slice, scope).
 */
public enum UnitSuffix {
    SERVICE("service"),
    SOCKET("socket"),
    TARGET("target"),
    DEVICE("device"),
    MOUNT("mount"),
    AUTOMOUNT("automount"),
    SWAP("swap"),
    TIMER("timer"),
    PATH("path"),
    SLICE("slice"),
    SCOPE("scope");

    private final String suffix;

    UnitSuffix(String suffix) {
        this.suffix = suffix;
    }

    /** The suffix without the dot: {@code service}. */
    public String suffix() {
        return suffix;
    }

    /** The section that holds this type's own settings: {@code Service}, {@code Slice}. */
    public String sectionName() {
        return Character.toUpperCase(suffix.charAt(0)) + suffix.substring(1);
    }

    /** Whether tollgate can load and run units of this type. */
    public boolean isSupported() {
        return this == SERVICE || this == SLICE;
    }

    /** values() copies the array at every call; names are checked by the thousand per query. */
    private static final UnitSuffix[] ALL = values();

    public static Optional<UnitSuffix> fromSuffix(String suffix) {
        for (UnitSuffix t : ALL) {
            if (t.suffix.equals(suffix)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
