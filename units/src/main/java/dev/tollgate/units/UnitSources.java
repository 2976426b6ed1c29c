package dev.tollgate.units;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The files a unit was read from: its unit file (none for a slice made of drop-ins only, or a
 * transient unit) and its drop-ins in the order they were applied.
 */
public record UnitSources(Optional<Path> fragment, List<Path> dropIns) {

    public UnitSources {
        Objects.requireNonNull(fragment, "fragment");
        dropIns = List.copyOf(dropIns);
    }

    /** Every file, unit file first. */
    public List<Path> all() {
        return fragment.map(f -> Stream.concat(Stream.of(f), dropIns.stream()).toList())
                .orElse(dropIns);
    }
}
