package dev.tollgate.units;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [Install]} section (systemd.unit(5)): not used when a unit runs, only when it is
 * enabled, which creates the links {@link #enableLinks} lists. Names are resolved (specifiers
 * expanded) for the unit this section was loaded for.
 */
public record InstallSection(
        List<UnitName> wantedBy,
        List<UnitName> requiredBy,
        List<UnitName> alias,
        List<UnitName> also,
        Optional<String> defaultInstance) {

    public static final InstallSection EMPTY = new InstallSection(List.of(), List.of(), List.of(), List.of(), Optional.empty());

    public InstallSection {
        wantedBy = List.copyOf(wantedBy);
        requiredBy = List.copyOf(requiredBy);
        alias = List.copyOf(alias);
        also = List.copyOf(also);
        Objects.requireNonNull(defaultInstance, "defaultInstance");
    }

    /** Whether enabling the unit does anything at all ({@code systemctl} calls such units "static"). */
    public boolean isEmpty() {
        return wantedBy.isEmpty() && requiredBy.isEmpty() && alias.isEmpty() && also.isEmpty();
    }

    /**
     * The symbolic links {@code systemctl enable} would create in {@code configDir} for
     * {@code unit} read from {@code unitFile}: {@code TARGET.wants/UNIT} and
     * {@code TARGET.requires/UNIT} pointing at the unit file, and one link per alias. A template
     * target is instantiated with the unit's instance. {@code Also=} units are the caller's to
     * enable in turn.
     */
    public List<EnableLink> enableLinks(Path configDir, UnitName unit, Path unitFile) {
        List<EnableLink> links = new ArrayList<>();
        for (UnitName target : wantedBy) {
            links.add(new EnableLink(configDir.resolve(instantiate(target, unit).id() + ".wants").resolve(unit.id()),
                    unitFile, EnableLink.Kind.WANTS));
        }
        for (UnitName target : requiredBy) {
            links.add(new EnableLink(configDir.resolve(instantiate(target, unit).id() + ".requires").resolve(unit.id()),
                    unitFile, EnableLink.Kind.REQUIRES));
        }
        for (UnitName a : alias) {
            links.add(new EnableLink(configDir.resolve(instantiate(a, unit).id()), unitFile, EnableLink.Kind.ALIAS));
        }
        return links;
    }

    private static UnitName instantiate(UnitName target, UnitName unit) {
        if (target.isTemplate() && unit.isInstance()) {
            return target.withInstance(unit.instance()).orElse(target);
        }
        return target;
    }
}
