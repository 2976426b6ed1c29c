package dev.tollgate.units.directives;

import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSection;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.Words;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * {@code [Unit]}: {@code Description=}, {@code Documentation=} and the dependencies
 * {@code After= Before= Requires= Wants=} (systemd.unit(5)), parsed as load-fragment.c does.
 */
public final class UnitSectionDirectives {

    private UnitSectionDirectives() {}

    /** The [Unit] section while it is being read. */
    public static final class Draft {
        Optional<String> description = Optional.empty();
        final List<String> documentation = new ArrayList<>();
        final LinkedHashSet<UnitName> after = new LinkedHashSet<>();
        final LinkedHashSet<UnitName> before = new LinkedHashSet<>();
        final LinkedHashSet<UnitName> requires = new LinkedHashSet<>();
        final LinkedHashSet<UnitName> wants = new LinkedHashSet<>();
        /** Not implemented, but it changes which services systemd accepts (service_verify()). */
        boolean successAction;

        UnitSection build() {
            return new UnitSection(description, documentation, List.copyOf(after), List.copyOf(before),
                    List.copyOf(requires), List.copyOf(wants));
        }
    }

    static void register(DirectiveTable t) {
        t.add("Unit", "Description", UnitSectionDirectives::description);
        t.add("Unit", "Documentation", UnitSectionDirectives::documentation);
        t.add("Unit", "After", (d, a, c) -> dependency(d.unit.after, "After", a, c));
        t.add("Unit", "Before", (d, a, c) -> dependency(d.unit.before, "Before", a, c));
        t.add("Unit", "Requires", (d, a, c) -> dependency(d.unit.requires, "Requires", a, c));
        t.add("Unit", "Wants", (d, a, c) -> dependency(d.unit.wants, "Wants", a, c));
        t.add("Unit", "SuccessAction", (d, a, c) -> {
            d.unit.successAction = !a.value().isEmpty() && !a.value().equals("none");
            c.warn("Not implemented by tollgate, ignoring.");
        });
    }

    /** {@code config_parse_unit_string_printf()}: specifiers expanded; empty unsets. */
    private static void description(UnitDraft d, Assignment a, ParseContext c) {
        c.resolveFull(a.value()).ifPresent(v -> d.unit.description = v.isEmpty() ? Optional.empty() : Optional.of(v));
    }

    /** {@code config_parse_documentation()}: a list of URIs of the accepted kinds; empty resets. */
    private static void documentation(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.unit.documentation.clear();
            return;
        }
        Optional<String> resolved = c.resolveFull(a.value());
        if (resolved.isEmpty()) {
            return;
        }
        List<String> words;
        try {
            words = Words.split(resolved.get(), EnumSet.of(Words.Flag.UNQUOTE, Words.Flag.RETAIN_ESCAPE));
        } catch (Words.InvalidWordException e) {
            c.warn("Invalid syntax, ignoring: " + a.value());
            return;
        }
        for (String w : words) {
            if (isDocumentationUrl(w)) {
                d.unit.documentation.add(w);
            } else {
                c.warn("Invalid URL, ignoring: " + w);
            }
        }
    }

    /** {@code documentation_url_is_valid()}: http(s)://, file:/, info: or man: followed by ASCII. */
    static boolean isDocumentationUrl(String url) {
        String rest;
        if (url.startsWith("http://")) {
            rest = url.substring(7);
        } else if (url.startsWith("https://")) {
            rest = url.substring(8);
        } else if (url.startsWith("file:/")) {
            rest = url.substring(6);
        } else if (url.startsWith("info:")) {
            rest = url.substring(5);
        } else if (url.startsWith("man:")) {
            rest = url.substring(4);
        } else {
            return false;
        }
        if (rest.isEmpty()) {
            return false;
        }
        for (byte b : rest.getBytes(StandardCharsets.UTF_8)) {
            if (b <= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code config_parse_unit_deps()}: words taken literally (no unquoting), specifiers of the
     * short table, a template instantiated with this unit's instance (or prefix), and a
     * dependency on the unit itself dropped. Empty assignments change nothing.
     */
    private static void dependency(LinkedHashSet<UnitName> into, String kind, Assignment a, ParseContext c) {
        Words words = new Words(a.value());
        for (;;) {
            String word;
            try {
                word = words.next(Words.WHITESPACE, EnumSet.of(Words.Flag.RETAIN_ESCAPE));
            } catch (Words.InvalidWordException e) {
                c.warn("Invalid syntax, ignoring: " + a.value());
                return;
            }
            if (word == null) {
                return;
            }
            Optional<String> k = c.resolveName(word);
            if (k.isEmpty()) {
                continue;
            }
            Optional<UnitName> name = UnitName.parse(k.get()).map(n -> n.isTemplate() ? instantiate(n, c.id()) : n);
            if (name.isEmpty() || name.get().isTemplate()) {
                c.warn("Failed to add dependency on " + k.get() + ", ignoring: Invalid argument");
                continue;
            }
            if (c.isNameOfThisUnit(name.get())) {
                c.warn("Dependency " + kind + "=" + name.get() + " is dropped.");
                continue;
            }
            into.add(name.get());
        }
    }

    /** systemd's {@code resolve_template()}. */
    static UnitName instantiate(UnitName template, UnitName self) {
        String instance = self.isInstance() ? self.instance() : self.prefix();
        return template.withInstance(instance).orElse(template);
    }
}
