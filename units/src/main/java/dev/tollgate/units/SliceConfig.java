package dev.tollgate.units;

import java.util.Objects;
import java.util.Optional;

/**
 * A {@code .slice}: a node of the cgroup tree whose place follows from its name
 * ({@code a-b.slice} lives in {@code a.slice}, which lives in {@code -.slice}).
 */
public record SliceConfig(
        UnitName name,
        UnitSection unit,
        ResourceControl resources,
        InstallSection install,
        UnitSources sources) implements UnitConfig {

    public SliceConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(install, "install");
        Objects.requireNonNull(sources, "sources");
        if (!name.isValidSliceName()) {
            throw new IllegalArgumentException("not a valid slice name: " + name);
        }
    }

    @Override
    public Optional<UnitName> parentSlice() {
        return name.parentSlice();
    }

    public boolean isRoot() {
        return name.equals(UnitName.ROOT_SLICE);
    }
}
