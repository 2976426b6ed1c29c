package dev.tollgate.units.exec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code WorkingDirectory=} of systemd.exec(5): unset (the root directory for system services),
 * the user's home ({@code ~}), or a path; a leading {@code -} makes a missing directory no error.
 */
public sealed interface WorkingDirectory permits WorkingDirectory.Unset, WorkingDirectory.Home, WorkingDirectory.At {

    record Unset() implements WorkingDirectory {}

    /** {@code ~}: the home directory of {@code User=}. */
    record Home(boolean missingOk) implements WorkingDirectory {}

    record At(Path path, boolean missingOk) implements WorkingDirectory {
        public At {
            Objects.requireNonNull(path, "path");
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("working directory must be absolute: " + path);
            }
        }
    }

    WorkingDirectory UNSET = new Unset();
}
