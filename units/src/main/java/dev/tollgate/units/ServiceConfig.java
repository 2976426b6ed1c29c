package dev.tollgate.units;

import java.util.Objects;
import java.util.Optional;

/**
 * A {@code .service}: processes tollgate starts and supervises in their own cgroup below
 * {@code slice}.
 *
 * @param slice {@code Slice=}, or systemd's default: {@code system-PREFIX.slice} for an instance
 *              of a template, {@code system.slice} otherwise
 */
public record ServiceConfig(
        UnitName name,
        UnitSection unit,
        UnitName slice,
        ResourceControl resources,
        ServiceSection service,
        ExecContext exec,
        KillContext kill,
        InstallSection install,
        UnitSources sources) implements UnitConfig {

    public ServiceConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(slice, "slice");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(exec, "exec");
        Objects.requireNonNull(kill, "kill");
        Objects.requireNonNull(install, "install");
        Objects.requireNonNull(sources, "sources");
        if (name.type() != UnitSuffix.SERVICE || !name.isPlain() && !name.isInstance()) {
            throw new IllegalArgumentException("not a service name: " + name);
        }
        if (slice.type() != UnitSuffix.SLICE) {
            throw new IllegalArgumentException("Slice= must name a slice: " + slice);
        }
    }

    @Override
    public Optional<UnitName> parentSlice() {
        return Optional.of(slice);
    }
}
