package dev.tollgate.units;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Loads unit text as a transient unit, with fixed host facts, for directive tests. */
final class TestUnits {

    static final HostFacts HOST = new HostFacts(Optional.of("box.example.org"), Optional.of("0123456789abcdef0123456789abcdef"),
            Optional.empty(), Optional.of("6.18.0"), Optional.of("x86-64"), Map.of("ID", "debian", "VERSION_ID", "12"),
            "root", 0, "root", 0, "/root", "/bin/sh");

    private TestUnits() {}

    static LoadResult load(String name, String text) {
        return new UnitLoader(List.of(), HOST).loadTransient(name, text);
    }

    static ServiceConfig service(String text) {
        return service("t.service", text);
    }

    static ServiceConfig service(String name, String text) {
        LoadResult r = load(name, text);
        assertThat(r).as("%s", r).isInstanceOf(LoadResult.Loaded.class);
        return (ServiceConfig) ((LoadResult.Loaded) r).config();
    }

    static SliceConfig slice(String name, String text) {
        LoadResult r = load(name, text);
        assertThat(r).as("%s", r).isInstanceOf(LoadResult.Loaded.class);
        return (SliceConfig) ((LoadResult.Loaded) r).config();
    }

    /** Messages of all diagnostics, as "line: message". */
    static List<String> messages(String name, String text) {
        return load(name, text).diagnostics().stream().map(d -> d.line() + ": " + d.message()).toList();
    }

    static LoadResult.Failed failure(String name, String text) {
        LoadResult r = load(name, text);
        assertThat(r).as("%s", r).isInstanceOf(LoadResult.Failed.class);
        return (LoadResult.Failed) r;
    }
}
