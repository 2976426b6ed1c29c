package dev.tollgate.api;

import java.util.Objects;

/**
 * A unit file as {@code systemctl list-unit-files} lists it (IDL {@code UnitFile}).
 *
 * @param path the file, the mask or the alias link; null for a transient unit without a file
 * @param state enabled, linked, alias, masked, static, indirect, disabled, transient or bad
 */
public record UnitFile(String name, String path, String state) {
    public UnitFile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }
}
