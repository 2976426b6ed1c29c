package dev.tollgate.units;

import dev.tollgate.units.directives.ParseContext;
import dev.tollgate.units.directives.UnitDraft;
import dev.tollgate.units.syntax.UnitFileSyntax;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Loads units from an ordered search path, as systemd's manager loads them (systemd.unit(5),
 * "Unit file load path"): the first directory that has {@code NAME} wins; for an instance with no
 * file of its own, the template's file is used; a file that is empty or a link to {@code /dev/null}
 * masks the unit; a link to another unit file in the search path is an alias; then the drop-ins
 * are applied (see {@link DropIns}). A slice needs no file: any valid slice name loads, with its
 * drop-ins, as in systemd.
 *
 * <p>Nothing here throws for bad input: every outcome, with every diagnostic, is a
 * {@link LoadResult}. The loader holds no state between calls, so {@link #load} may be called
 * again after files changed (a daemon reload).
 *
 * <p>One deliberate difference from systemd 252: a fatal setting in a drop-in (an invalid
 * {@code User=}, an {@code ExecStart=} that cannot be parsed) fails the unit, as it does in the
 * unit file. systemd stops reading that drop-in but starts the unit anyway, which would for
 * example run a service as root because a drop-in's {@code User=} had a typo.
 */
public final class UnitLoader {

    /** Where tollgate looks for units, highest priority first. */
    public static final List<Path> DEFAULT_SEARCH_PATH = List.of(
            Path.of("/etc/tollgate/units"), Path.of("/run/tollgate/units"), Path.of("/usr/lib/tollgate/units"));

    /** Where transient units live when the caller names no file of its own. */
    public static final Path TRANSIENT_DIR = Path.of("/run/tollgate/transient");

    private static final int MAX_ALIAS_HOPS = 8;

    private final List<Path> searchPath;
    private final HostFacts host;

    public UnitLoader(List<Path> searchPath, HostFacts host) {
        this.searchPath = List.copyOf(searchPath);
        this.host = Objects.requireNonNull(host, "host");
    }

    /** The default search path, with facts about this host for the specifiers. */
    public static UnitLoader withDefaults() {
        return new UnitLoader(DEFAULT_SEARCH_PATH, HostFacts.probe());
    }

    public List<Path> searchPath() {
        return searchPath;
    }

    /** Loads the unit {@code name} (e.g. {@code web.service}, {@code getty@tty1.service}, {@code a-b.slice}). */
    public LoadResult load(String name) {
        Optional<UnitName> parsed = UnitName.parse(name);
        if (parsed.isEmpty()) {
            return failed(name, "Unit name " + name + " is not valid.");
        }
        UnitName requested = parsed.get();
        if (requested.type() == UnitSuffix.SCOPE) {
            // systemd's scope_load() refuses a scope that is not transient with ENOENT: a .scope
            // file on disk leaves the unit not-found; tollgate does the same and says why.
            return new LoadResult.NotFound(name, searchPath, List.of(UnitFileDiagnostic.ofUnit(LogLevel.NOTICE,
                    "Scope units are never loaded from a unit file (systemd makes them only at run time; tollgate makes none).")));
        }
        if (!requested.type().isSupported()) {
            return failed(name, "Unit type ." + requested.type().suffix() + " is not supported by tollgate.");
        }
        if (requested.isTemplate()) {
            return failed(name, "Unit name " + name + " is a template; only its instances can be loaded.");
        }

        // Follow aliases to the unit's own name; every name it goes by gets its drop-ins.
        UnitName id = requested;
        SequencedSet<UnitName> names = new LinkedHashSet<>();
        Optional<Path> fragment = Optional.empty();
        for (int hop = 0; ; hop++) {
            Optional<Found> found = locate(id);
            if (found.isEmpty()) {
                break;
            }
            Found f = found.get();
            if (f.masked()) {
                return new LoadResult.Masked(name, f.path(), List.of());
            }
            Optional<UnitName> aliasOf = hop < MAX_ALIAS_HOPS ? aliasTarget(f, id) : Optional.empty();
            if (aliasOf.isPresent() && !aliasOf.get().equals(id)) {
                names.add(id);
                id = aliasOf.get();
                continue;
            }
            fragment = Optional.of(f.path());
            break;
        }
        if (fragment.isEmpty() && id.type() != UnitSuffix.SLICE) {
            return new LoadResult.NotFound(name, searchPath, List.of(UnitFileDiagnostic.ofUnit(LogLevel.ERROR,
                    "Unit " + id + " not found in " + searchPath + ".")));
        }
        if (id.type() == UnitSuffix.SLICE && !id.isValidSliceName()) {
            return failed(name, "Slice name " + id + " is not valid. Refusing.");
        }
        names.remove(id);
        SequencedSet<UnitName> allNames = new LinkedHashSet<>();
        allNames.add(id);
        allNames.addAll(names);

        ParseContext ctx = new ParseContext(id, allNames, fragment, host);
        UnitDraft draft = new UnitDraft(id.type());
        if (fragment.isPresent()) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(fragment.get());
            } catch (IOException | RuntimeException e) {
                UnitFileDiagnostic d = UnitFileDiagnostic.ofFile(LogLevel.ERROR, fragment.get(), null, "Failed to read unit file: " + describe(e));
                return new LoadResult.Failed(name, d.message(), List.of(d));
            }
            draft.apply(UnitFileSyntax.parse(fragment.get(), bytes, UnitDraft.sectionsOf(id.type())), ctx);
        }
        List<Path> dropIns = ctx.failed() ? List.of() : DropIns.find(searchPath, allNames, id.type());
        return finish(name, id, draft, ctx, fragment, dropIns);
    }

    /**
     * Loads a unit that exists only at run time (systemd's transient units): {@code text} plays
     * the unit file, and drop-ins from the search path apply as usual.
     */
    public LoadResult loadTransient(String name, String text) {
        return loadTransient(name, text, UnitName.parse(name).map(n -> TRANSIENT_DIR.resolve(n.id())).orElse(TRANSIENT_DIR));
    }

    /** The same with the file that holds {@code text}, its fragment path (FragmentPath=) and where diagnostics point. */
    public LoadResult loadTransient(String name, String text, Path file) {
        Optional<UnitName> parsed = UnitName.parse(name);
        if (parsed.isEmpty()) {
            return failed(name, "Unit name " + name + " is not valid.");
        }
        UnitName id = parsed.get();
        if (id.type() == UnitSuffix.SCOPE) {
            return failed(name, "Unit " + name + " cannot be created: tollgate makes no scopes (units of processes started elsewhere).");
        }
        if (!id.type().isSupported() || id.isTemplate()) {
            return failed(name, "Unit " + name + " cannot be created: only services and slices, not templates.");
        }
        if (id.type() == UnitSuffix.SLICE && !id.isValidSliceName()) {
            return failed(name, "Slice name " + id + " is not valid. Refusing.");
        }
        ParseContext ctx = new ParseContext(id, Set.of(id), Optional.of(file), host);
        UnitDraft draft = new UnitDraft(id.type());
        draft.apply(UnitFileSyntax.parse(file, text.getBytes(StandardCharsets.UTF_8), UnitDraft.sectionsOf(id.type())), ctx);
        List<Path> dropIns = ctx.failed() ? List.of() : DropIns.find(searchPath, List.of(id), id.type());
        return finish(name, id, draft, ctx, Optional.of(file), dropIns);
    }

    private LoadResult finish(String name, UnitName id, UnitDraft draft, ParseContext ctx, Optional<Path> fragment, List<Path> dropIns) {
        List<Path> applied = new ArrayList<>();
        for (Path d : dropIns) {
            if (ctx.failed()) {
                break;
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(d);
            } catch (IOException | RuntimeException e) {
                ctx.add(UnitFileDiagnostic.ofFile(LogLevel.WARNING, d, null, "Failed to read drop-in, ignoring: " + describe(e)));
                continue;
            }
            applied.add(d);
            draft.apply(UnitFileSyntax.parse(d, bytes, UnitDraft.sectionsOf(id.type())), ctx);
        }
        Optional<UnitConfig> config = ctx.failed() ? Optional.empty()
                : draft.build(id, new UnitSources(fragment, applied), ctx);
        List<UnitFileDiagnostic> diagnostics = ctx.diagnostics();
        if (config.isEmpty()) {
            String reason = diagnostics.stream().filter(UnitFileDiagnostic::isError).findFirst()
                    .map(UnitFileDiagnostic::toString).orElse("Unit " + id + " has a bad unit file setting.");
            return new LoadResult.Failed(name, reason, diagnostics);
        }
        return new LoadResult.Loaded(name, config.get(), diagnostics);
    }

    /**
     * Every unit file in the search path by name, the first directory's winning, as systemd's
     * name map has them (masked ones included; their path is the mask). Templates are listed as
     * templates.
     */
    public SortedMap<UnitName, Path> unitFiles() {
        SortedMap<UnitName, Path> out = new TreeMap<>();
        for (Path dir : searchPath) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    Optional<UnitName> n = UnitName.parse(p.getFileName().toString());
                    if (n.isPresent() && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        out.putIfAbsent(n.get(), p);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // A missing or unreadable search directory has no units.
            }
        }
        return out;
    }

    /**
     * The {@code [Install]} section of the unit file {@code file} read as {@code name}, as
     * systemctl's install.c reads it: that file alone, no drop-ins, the rest of the file
     * unchecked (a unit with a bad {@code [Service]} setting can still be enabled). Empty when
     * the file cannot be read.
     */
    public Optional<InstallSection> readInstall(UnitName name, Path file) {
        if (!name.type().isSupported()) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        ParseContext ctx = new ParseContext(name, Set.of(name), Optional.of(file), host);
        UnitDraft draft = new UnitDraft(name.type());
        List<UnitFileSyntax.Entry> install = UnitFileSyntax.parse(file, bytes, UnitDraft.sectionsOf(name.type())).stream()
                .filter(e -> e instanceof UnitFileSyntax.Entry.Assign a && a.assignment().section().equals("Install"))
                .toList();
        draft.apply(install, ctx);
        return Optional.of(draft.installSection());
    }

    /** Units linked into {@code NAME.wants/} in any search directory (what {@code WantedBy=NAME} enabled). */
    public List<UnitName> wants(UnitName unit) {
        return linked(unit, ".wants");
    }

    /** Units linked into {@code NAME.requires/}. */
    public List<UnitName> requires(UnitName unit) {
        return linked(unit, ".requires");
    }

    private List<UnitName> linked(UnitName unit, String suffix) {
        SequencedSet<UnitName> out = new LinkedHashSet<>();
        for (Path dir : searchPath) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(unit.id() + suffix))) {
                List<Path> entries = new ArrayList<>();
                ds.forEach(entries::add);
                entries.sort(null);
                for (Path p : entries) {
                    UnitName.parse(p.getFileName().toString()).filter(n -> !n.isTemplate()).ifPresent(out::add);
                }
            } catch (IOException | RuntimeException e) {
                // No such directory: nothing linked there.
            }
        }
        return List.copyOf(out);
    }

    /** A unit file found for a name: where, whether it masks the unit, and whether the path is a symlink. */
    private record Found(Path path, UnitName fileName, boolean masked, boolean link) {}

    /** The first file for {@code name} in the search path; for an instance, else its template's. */
    private Optional<Found> locate(UnitName name) {
        Optional<Found> f = locateExact(name);
        if (f.isEmpty() && name.isInstance()) {
            f = locateExact(name.template());
        }
        return f;
    }

    /**
     * One lstat for a plain file (it was five stats: exists, isDirectory, the mask's attributes,
     * isSymbolicLink and the read's own), a second stat only for a symlink; the attributes are
     * read without an exception for a name a directory does not have.
     */
    private Optional<Found> locateExact(UnitName name) {
        for (Path dir : searchPath) {
            Path p = dir.resolve(name.id());
            BasicFileAttributes own = attributesIfExists(p, LinkOption.NOFOLLOW_LINKS);
            if (own == null) {
                continue;
            }
            // What the path leads to: null for a dangling link (found: reading it fails and says why).
            BasicFileAttributes target = own.isSymbolicLink() ? attributesIfExists(p) : own;
            if (target != null && target.isDirectory()) {
                continue;
            }
            return Optional.of(new Found(p, name, target != null && isMask(target), own.isSymbolicLink()));
        }
        return Optional.empty();
    }

    private static BasicFileAttributes attributesIfExists(Path p, LinkOption... options) {
        try {
            return p.getFileSystem().provider().readAttributesIfExists(p, BasicFileAttributes.class, options);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable as missing: the next directory is looked at, as systemd does
        }
    }

    /**
     * systemd's {@code null_or_empty()}: an empty regular file, or a device node (a link to
     * {@code /dev/null}); {@link UnitFileStates} judges a mask by it too.
     */
    static boolean isMask(Path p) {
        try {
            return isMask(Files.readAttributes(p, BasicFileAttributes.class));
        } catch (IOException | RuntimeException e) {
            return false; // dangling: reading it will fail and say why
        }
    }

    private static boolean isMask(BasicFileAttributes a) {
        return (a.isRegularFile() && a.size() == 0) || a.isOther();
    }

    /**
     * If the file found for {@code id} is a link to another unit file inside the search path, the
     * name of the unit it aliases (for an instance found through an aliased template, that
     * template's instance of the same name).
     */
    private Optional<UnitName> aliasTarget(Found f, UnitName id) {
        if (!f.link()) {
            return Optional.empty();
        }
        Path real;
        try {
            real = f.path().toRealPath();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (!isInSearchPath(real.getParent())) {
            return Optional.empty(); // a linked unit file: read through the link under this name
        }
        Optional<UnitName> target = UnitName.parse(real.getFileName().toString());
        if (target.isEmpty() || target.get().type() != id.type()) {
            return Optional.empty();
        }
        UnitName t = target.get();
        if (t.isTemplate() && id.isInstance()) {
            return t.withInstance(id.instance());
        }
        if (t.isTemplate() != f.fileName().isTemplate()) {
            return Optional.empty(); // not a valid alias; systemd ignores such links
        }
        return Optional.of(t);
    }

    private boolean isInSearchPath(Path dir) {
        if (dir == null) {
            return false;
        }
        for (Path p : searchPath) {
            try {
                if (Files.isDirectory(p) && p.toRealPath().equals(dir)) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // not a usable search directory
            }
        }
        return false;
    }

    private static LoadResult failed(String name, String reason) {
        return new LoadResult.Failed(name, reason, List.of(UnitFileDiagnostic.ofUnit(LogLevel.ERROR, reason)));
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
