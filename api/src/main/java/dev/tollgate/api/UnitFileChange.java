package dev.tollgate.api;

import java.util.Objects;

/**
 * A file {@code EnableUnit} or {@code DisableUnit} created or removed (IDL {@code UnitFileChange}).
 *
 * @param source what a created symlink points to; null for unlink
 */
public record UnitFileChange(UnitFileChangeType type, String path, String source) {
    public UnitFileChange {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
    }
}
