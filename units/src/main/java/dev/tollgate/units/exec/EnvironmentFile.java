package dev.tollgate.units.exec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code EnvironmentFile=}: read when the service starts; with a leading {@code -} in the unit
 * file ({@code optional}) a missing file is no error.
 */
public record EnvironmentFile(Path path, boolean optional) {

    public EnvironmentFile {
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("environment file must be absolute: " + path);
        }
    }

    @Override
    public String toString() {
        return (optional ? "-" : "") + path;
    }
}
