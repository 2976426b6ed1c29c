package dev.tollgate.units;

import dev.tollgate.units.syntax.TimeSpan;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code .scope}: processes started elsewhere and adopted into a cgroup of their own. Scopes are
 * only ever transient (systemd.scope(5)): they come from {@link UnitLoader#loadTransient}, never
 * from a unit file.
 */
public record ScopeConfig(
        UnitName name,
        UnitSection unit,
        UnitName slice,
        ResourceControl resources,
        KillContext kill,
        TimeSpan timeoutStop,
        UnitSources sources) implements UnitConfig {

    public ScopeConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(slice, "slice");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(kill, "kill");
        Objects.requireNonNull(timeoutStop, "timeoutStop");
        Objects.requireNonNull(sources, "sources");
        if (name.type() != UnitType.SCOPE || !name.isPlain()) {
            throw new IllegalArgumentException("not a scope name: " + name);
        }
    }

    @Override
    public Optional<UnitName> parentSlice() {
        return Optional.of(slice);
    }
}
