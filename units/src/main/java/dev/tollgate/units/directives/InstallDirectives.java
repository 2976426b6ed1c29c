package dev.tollgate.units.directives;

import dev.tollgate.units.InstallSection;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.Words;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * {@code [Install]} (systemd.unit(5)) as systemctl's install.c reads it: {@code WantedBy=
 * RequiredBy= Alias= Also=} name lists and {@code DefaultInstance=}. systemd itself ignores the
 * section when running units; tollgate keeps it as data for enabling.
 */
public final class InstallDirectives {

    private InstallDirectives() {}

    /** The [Install] section while it is being read. */
    public static final class Draft {
        final List<UnitName> wantedBy = new ArrayList<>();
        final List<UnitName> requiredBy = new ArrayList<>();
        final List<UnitName> alias = new ArrayList<>();
        final List<UnitName> also = new ArrayList<>();
        Optional<String> defaultInstance = Optional.empty();

        InstallSection build() {
            return new InstallSection(wantedBy, requiredBy, alias, also, defaultInstance);
        }
    }

    static void register(DirectiveTable t) {
        t.add("Install", "WantedBy", (d, a, c) -> names(d.install.wantedBy, a, c, false));
        t.add("Install", "RequiredBy", (d, a, c) -> names(d.install.requiredBy, a, c, false));
        t.add("Install", "Also", (d, a, c) -> names(d.install.also, a, c, false));
        t.add("Install", "Alias", (d, a, c) -> names(d.install.alias, a, c, true));
        t.add("Install", "DefaultInstance", InstallDirectives::defaultInstance);
    }

    /** {@code config_parse_strv()} then a name check per word; an alias must be of the unit's own type. */
    private static void names(List<UnitName> into, Assignment a, ParseContext c, boolean alias) {
        if (a.isEmpty()) {
            into.clear();
            return;
        }
        List<String> words;
        try {
            words = Words.split(a.value(), EnumSet.of(Words.Flag.UNQUOTE, Words.Flag.RETAIN_ESCAPE));
        } catch (Words.InvalidWordException e) {
            c.warn("Invalid syntax, ignoring: " + a.value());
            return;
        }
        for (String w : words) {
            Optional<String> k = c.resolveName(w);
            if (k.isEmpty()) {
                continue;
            }
            Optional<UnitName> n = UnitName.parse(k.get());
            if (n.isEmpty()) {
                c.warn("Invalid unit name, ignoring: " + k.get());
                continue;
            }
            if (alias && n.get().type() != c.id().type()) {
                c.warn("Alias " + n.get() + " must have the same type as the unit " + c.id() + ", ignoring.");
                continue;
            }
            into.add(n.get());
        }
    }

    private static void defaultInstance(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.install.defaultInstance = Optional.empty();
            return;
        }
        c.resolveName(a.value()).ifPresent(v -> {
            if (UnitName.parse("x@" + v + ".service").isEmpty()) {
                c.warn("Invalid DefaultInstance= value, ignoring: " + v);
            } else {
                d.install.defaultInstance = Optional.of(v);
            }
        });
    }
}
