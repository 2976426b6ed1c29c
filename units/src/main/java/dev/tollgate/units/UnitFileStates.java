package dev.tollgate.units;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every unit file on a search path with its enablement state, worked out as systemd's install.c
 * does ({@code unit_file_lookup_state()}, {@code find_symlinks_in_scope()}): masked; an alias when
 * the file is a link to another unit file of the search path; enabled when a link that enabling
 * it would make exists ({@code TARGET.wants/NAME}, {@code TARGET.requires/NAME}, an
 * {@code Alias=} name); linked when the file is a link to outside the search path; indirect when
 * it is linked only under other names (a template's instances) or has only {@code Also=};
 * disabled when it has {@code [Install]} rules; else static. The links are read once per listing.
 */
public final class UnitFileStates {

    /** One unit file: its name, where it is (the first search directory's wins), its state. */
    public record Entry(UnitName name, Path path, UnitFileState state) {}

    /** A symbolic link found in a search directory or in its {@code .wants/} and {@code .requires/}. */
    private record Link(String name, Path path, Path target, Optional<Path> real, boolean topLevel) {}

    private final UnitLoader loader;
    /** The links by the real path they lead to, and by the file name of their target: the two ways one leads to a unit's file. */
    private final Map<Path, List<Link>> byRealPath = new HashMap<>();
    private final Map<String, List<Link>> byTargetName = new HashMap<>();

    private UnitFileStates(UnitLoader loader) {
        this.loader = loader;
        // Indexed once, so that the state of every unit of a listing is not a walk over every
        // link (1,000 units enabled in a .wants/ made ListUnits --all compare a million paths).
        for (Link l : scanLinks(loader.searchPath())) {
            l.real().ifPresent(r -> byRealPath.computeIfAbsent(r, k -> new ArrayList<>()).add(l));
            Path t = l.target().getFileName();
            if (t != null) byTargetName.computeIfAbsent(t.toString(), k -> new ArrayList<>()).add(l);
        }
    }

    /** The links that lead to this unit file: the same file, or a file of the same name. */
    private Collection<Link> linksTo(UnitName n, Optional<Path> real) {
        Set<Link> out = Collections.newSetFromMap(new IdentityHashMap<>());
        real.map(byRealPath::get).ifPresent(out::addAll);
        out.addAll(byTargetName.getOrDefault(n.id(), List.of()));
        return out;
    }

    /** The links of the search path as they are now, to ask {@link #stateOf} about many units. */
    public static UnitFileStates of(UnitLoader loader) {
        return new UnitFileStates(loader);
    }

    /**
     * The unit files of the types tollgate loads (services, slices), sorted as systemctl sorts
     * them: by type suffix, then by name, ignoring case.
     */
    public static List<Entry> list(UnitLoader loader) {
        UnitFileStates s = new UnitFileStates(loader);
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<UnitName, Path> f : loader.unitFiles().entrySet()) {
            UnitName n = f.getKey();
            if (n.type() != UnitSuffix.SERVICE && n.type() != UnitSuffix.SLICE) {
                continue;
            }
            out.add(new Entry(n, f.getValue(), s.stateOf(n, f.getValue())));
        }
        out.sort(ORDER);
        return out;
    }

    /** systemctl's {@code compare_unit_file_list()}: the suffix, then the name, case-insensitively. */
    public static final Comparator<Entry> ORDER = Comparator
            .comparing((Entry e) -> suffixOf(e.name().id()).toLowerCase(Locale.ROOT))
            .thenComparing(e -> e.name().id().toLowerCase(Locale.ROOT));

    private static String suffixOf(String name) {
        return name.substring(name.lastIndexOf('.'));
    }

    /**
     * The state of unit {@code n} read from {@code file}: for a file of that name, as listed;
     * for an instance read from its template's file, as systemd's {@code unit_file_get_state()}
     * judges it: enabled when linked under the instance's own name, indirect when the template
     * is linked only under other names, else as the template's rules say.
     */
    public UnitFileState stateOf(UnitName n, Path file) {
        if (UnitLoader.isMask(file)) {
            return UnitFileState.MASKED;
        }
        Optional<Path> real = realPath(file);
        boolean symlink = Files.isSymbolicLink(file);
        if (symlink && real.isPresent() && inSearchPath(real.get().getParent())) {
            Optional<UnitName> target = UnitName.parse(real.get().getFileName().toString());
            if (target.isPresent() && !target.get().equals(n) && target.get().type() == n.type()) {
                return UnitFileState.ALIAS;
            }
        }
        Optional<InstallSection> install = loader.readInstall(n, file);
        if (install.isEmpty()) {
            return UnitFileState.BAD;
        }
        InstallSection i = install.get();
        boolean underOtherNames = false;
        for (Link l : linksTo(n, real)) {
            if (l.topLevel() && l.name().equals(n.id())) {
                continue; // the file itself, in a search directory
            }
            if (isEnablingLink(l, n, i)) {
                return UnitFileState.ENABLED;
            }
            underOtherNames = true;
        }
        if (symlink && real.isPresent() && !inSearchPath(real.get().getParent())) {
            return UnitFileState.LINKED;
        }
        if (underOtherNames) {
            return UnitFileState.INDIRECT;
        }
        if (!i.wantedBy().isEmpty() || !i.requiredBy().isEmpty() || !i.alias().isEmpty()) {
            return UnitFileState.DISABLED;
        }
        return i.also().isEmpty() ? UnitFileState.STATIC : UnitFileState.INDIRECT;
    }

    /** A link {@code systemctl enable} would make: the unit's own name (or its default instance) in a .wants/.requires, or an Alias=. */
    private static boolean isEnablingLink(Link l, UnitName n, InstallSection i) {
        if (l.topLevel()) {
            return i.alias().stream().anyMatch(a -> a.id().equals(l.name()));
        }
        if (l.name().equals(n.id())) {
            return true;
        }
        return n.isTemplate() && i.defaultInstance().flatMap(n::withInstance).filter(d -> d.id().equals(l.name())).isPresent();
    }

    private static List<Link> scanLinks(List<Path> searchPath) {
        List<Link> out = new ArrayList<>();
        for (Path dir : searchPath) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (Files.isSymbolicLink(p)) {
                        link(p, true).ifPresent(out::add);
                    } else if ((name.endsWith(".wants") || name.endsWith(".requires")) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        try (DirectoryStream<Path> inner = Files.newDirectoryStream(p)) {
                            for (Path q : inner) {
                                if (Files.isSymbolicLink(q)) {
                                    link(q, false).ifPresent(out::add);
                                }
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // A missing or unreadable search directory links nothing.
            }
        }
        return out;
    }

    private static Optional<Link> link(Path p, boolean topLevel) {
        try {
            return Optional.of(new Link(p.getFileName().toString(), p, Files.readSymbolicLink(p), realPath(p), topLevel));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> realPath(Path p) {
        try {
            return Optional.of(p.toRealPath());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private boolean inSearchPath(Path dir) {
        if (dir == null) {
            return false;
        }
        for (Path p : loader.searchPath()) {
            Optional<Path> r = realPath(p);
            if (r.isPresent() && r.get().equals(dir)) {
                return true;
            }
        }
        return false;
    }
}
