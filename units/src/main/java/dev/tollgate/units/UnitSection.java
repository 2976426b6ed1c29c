package dev.tollgate.units;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [Unit]} settings tollgate uses (systemd.unit(5)). Dependencies name other units;
 * templates named in them were instantiated as systemd does (with this unit's instance, or its
 * prefix), and a unit never depends on itself.
 */
public record UnitSection(
        Optional<String> description,
        List<String> documentation,
        List<UnitName> after,
        List<UnitName> before,
        List<UnitName> requires,
        List<UnitName> wants) {

    public static final UnitSection EMPTY = new UnitSection(Optional.empty(), List.of(), List.of(), List.of(), List.of(), List.of());

    public UnitSection {
        Objects.requireNonNull(description, "description");
        documentation = List.copyOf(documentation);
        after = List.copyOf(after);
        before = List.copyOf(before);
        requires = List.copyOf(requires);
        wants = List.copyOf(wants);
    }
}
