package dev.tollgate.units.directives;

import dev.tollgate.units.syntax.Assignment;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * systemd's directive table (load-fragment-gperf.gperf): {@code Section.Key} to the parser that
 * reads its value into a {@link UnitDraft}. Each concern registers its own directives.
 */
public final class DirectiveTable {

    /** Reads one assignment into the draft, reporting through the context. */
    @FunctionalInterface
    public interface Parser {
        void parse(UnitDraft draft, Assignment a, ParseContext ctx);
    }

    private final Map<String, Parser> parsers = new HashMap<>();
    private final Set<String> sections;

    public DirectiveTable(Set<String> sections) {
        this.sections = Set.copyOf(sections);
    }

    /** The sections units of this table's type have ({@code Unit}, {@code Service}, {@code Install}). */
    public Set<String> sections() {
        return sections;
    }

    public DirectiveTable add(String section, String key, Parser parser) {
        if (!sections.contains(section)) {
            throw new IllegalArgumentException("no section " + section + " in this table");
        }
        if (parsers.putIfAbsent(section + "." + key, parser) != null) {
            throw new IllegalArgumentException("directive registered twice: " + section + "." + key);
        }
        return this;
    }

    public Optional<Parser> find(String section, String key) {
        return Optional.ofNullable(parsers.get(section + "." + key));
    }

    public boolean has(String section, String key) {
        return parsers.containsKey(section + "." + key);
    }
}
