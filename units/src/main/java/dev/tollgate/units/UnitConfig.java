package dev.tollgate.units;

/**
 * A loaded unit's configuration: what the daemon needs to realise it. One record per unit type
 * tollgate runs.
 */
public sealed interface UnitConfig permits SliceConfig, ServiceConfig {

    /** The unit's name (for an alias, the name of the unit it aliases). */
    UnitName name();

    UnitSection unit();

    ResourceControl resources();

    UnitSources sources();

    /** The slice this unit lives in; empty only for the root slice {@code -.slice}. */
    java.util.Optional<UnitName> parentSlice();
}
