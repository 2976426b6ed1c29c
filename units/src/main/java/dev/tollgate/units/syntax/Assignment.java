package dev.tollgate.units.syntax;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code Key=value} line of a unit file, after line continuation, comment removal and
 * whitespace trimming, in the section it appeared in.
 *
 * @param line the physical line the logical line ended on (where systemd reports it)
 */
public record Assignment(Path file, int line, String section, String key, String value) {

    public Assignment {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (line < 1) {
            throw new IllegalArgumentException("line must be >= 1: " + line);
        }
    }

    /** Whether the value is empty, which for list settings means "reset". */
    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return file + ":" + line + ": [" + section + "] " + key + "=" + value;
    }
}
