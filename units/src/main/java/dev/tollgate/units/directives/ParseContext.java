package dev.tollgate.units.directives;

import dev.tollgate.units.HostFacts;
import dev.tollgate.units.LogLevel;
import dev.tollgate.units.UnitFileDiagnostic;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.Specifiers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a directive parser may use: the unit being loaded, specifier expansion, and a place for
 * diagnostics, which it locates at the assignment being parsed. An {@link #error} marks the unit
 * as failed; the loader then stops, as systemd stops at its first fatal setting.
 */
public final class ParseContext {

    private final UnitName id;
    private final Set<UnitName> names;
    private final Optional<Path> fragment;
    private final UnitSpecifiers specifiers;
    private final List<UnitFileDiagnostic> diagnostics = new ArrayList<>();
    private boolean failed;
    private Assignment current;

    /**
     * @param id       the unit's name
     * @param names    every name the unit goes by (its id and the alias it was asked for)
     * @param fragment its unit file, if it has one
     */
    public ParseContext(UnitName id, Set<UnitName> names, Optional<Path> fragment, HostFacts host) {
        this.id = id;
        this.names = Set.copyOf(names);
        this.fragment = fragment;
        this.specifiers = new UnitSpecifiers(id, fragment, host);
    }

    public UnitName id() {
        return id;
    }

    public boolean isNameOfThisUnit(UnitName n) {
        return names.contains(n) || id.equals(n);
    }

    public Optional<Path> fragment() {
        return fragment;
    }

    void at(Assignment a) {
        this.current = a;
    }

    public Assignment current() {
        return current;
    }

    public void warn(String message) {
        report(LogLevel.WARNING, message);
    }

    public void notice(String message) {
        report(LogLevel.NOTICE, message);
    }

    /** A problem that makes the unit fail to load. */
    public void error(String message) {
        report(LogLevel.ERROR, message);
    }

    public void report(LogLevel severity, String message) {
        diagnostics.add(UnitFileDiagnostic.at(severity, current.file(), current.line(), current.section(), current.key(), message));
        if (severity == LogLevel.ERROR) {
            failed = true;
        }
    }

    /** A message about the unit as a whole (its verification), located at its unit file. */
    public void reportUnit(LogLevel severity, String section, String message) {
        diagnostics.add(UnitFileDiagnostic.ofFile(severity, fragment.orElse(null), section, message));
        if (severity == LogLevel.ERROR) {
            failed = true;
        }
    }

    /** A diagnostic that arose elsewhere (the syntax layer). */
    public void add(UnitFileDiagnostic d) {
        diagnostics.add(d);
        if (d.isError()) {
            failed = true;
        }
    }

    public boolean failed() {
        return failed;
    }

    public List<UnitFileDiagnostic> diagnostics() {
        return List.copyOf(diagnostics);
    }

    public Specifiers.Result nameSpecifiers(String text) {
        return specifiers.name(text);
    }

    public Specifiers.Result fullSpecifiers(String text) {
        return specifiers.full(text);
    }

    /** {@code unit_name_printf()}, warning and giving nothing on failure. */
    public Optional<String> resolveName(String text) {
        return orWarn(text, specifiers.name(text));
    }

    /** {@code unit_full_printf()}, warning and giving nothing on failure. */
    public Optional<String> resolveFull(String text) {
        return orWarn(text, specifiers.full(text));
    }

    private Optional<String> orWarn(String text, Specifiers.Result r) {
        if (r instanceof Specifiers.Result.Ok ok) {
            return Optional.of(ok.value());
        }
        warn("Failed to resolve unit specifiers in '" + text + "', ignoring: " + ((Specifiers.Result.Failed) r).reason());
        return Optional.empty();
    }
}
