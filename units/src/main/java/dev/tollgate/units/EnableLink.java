package dev.tollgate.units;

import java.nio.file.Path;
import java.util.Objects;

/** One symbolic link that enabling a unit creates: {@code link} → {@code target}. */
public record EnableLink(Path link, Path target, Kind kind) {

    public enum Kind {
        /** {@code WantedBy=}: {@code TARGET.wants/UNIT}. */
        WANTS,
        /** {@code RequiredBy=}: {@code TARGET.requires/UNIT}. */
        REQUIRES,
        /** {@code Alias=}: another name for the unit. */
        ALIAS
    }

    public EnableLink {
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(kind, "kind");
    }
}
