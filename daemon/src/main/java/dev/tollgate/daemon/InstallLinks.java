package dev.tollgate.daemon;

import dev.tollgate.units.InstallSection;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitFileState;
import dev.tollgate.units.UnitFileStates;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSuffix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Install and enable: the [Install] links on disk, made and removed, and the enablement and
 * UnitFileState= read from them once per change. Only files, no unit state: any thread.
 */
final class InstallLinks {
    private final UnitLoader loader;

    InstallLinks(UnitLoader loader) {
        this.loader = loader;
    }

    private volatile Set<UnitName> enabled;

    /** Whether the default target wants or requires the unit (the links are read once per change). */
    boolean isEnabled(UnitName n) {
        Set<UnitName> e = enabled;
        if (e == null) {
            long generation = linksGenerationNow();
            Set<UnitName> fresh = new HashSet<>(loader.wants(Manager.DEFAULT_TARGET));
            fresh.addAll(loader.requires(Manager.DEFAULT_TARGET));
            Set<UnitName> read = Set.copyOf(fresh);
            keepIfCurrent(generation, () -> enabled = read);
            e = read;
        }
        return e.contains(n);
    }

    /**
     * Counts the changes of the links on disk: a reader that began before a change (and so may
     * have read the old links) must not store what it read after the change forgot the cache,
     * or the old state would be shown until the next change.
     */
    private long linksGeneration;
    private final Object linksLock = new Object();

    private long linksGenerationNow() {
        synchronized (linksLock) {
            return linksGeneration;
        }
    }

    private void keepIfCurrent(long readAt, Runnable store) {
        synchronized (linksLock) {
            if (linksGeneration == readAt) store.run();
        }
    }

    /** The links changed (enable, disable, daemon-reload): read them again when next asked. */
    void forget() {
        synchronized (linksLock) {
            linksGeneration++;
            enabled = null;
            fileStates = null;
        }
    }

    /** The links as read once per change, and the states worked out from them; replaced as a whole. */
    private record FileStates(UnitFileStates links, Map<UnitName, UnitFileState> states) {}

    private volatile FileStates fileStates;

    /**
     * The unit's UnitFileState= as systemctl shows it (enabled, disabled, static, indirect,
     * masked, transient, ...), worked out as list-unit-files does.
     */
    String unitFileState(UnitRecord u) {
        if (u.isTransient()) return UnitFileState.TRANSIENT.spelling();
        if (u.load() instanceof LoadResult.Masked) return UnitFileState.MASKED.spelling();
        UnitConfig c = u.config();
        Optional<Path> file = c == null ? Optional.empty() : c.sources().fragment();
        if (file.isEmpty()) {
            // A slice that exists only by name, or a unit whose file went away.
            return u.name().type() == UnitSuffix.SLICE ? UnitFileState.STATIC.spelling()
                    : isEnabled(u.name()) ? UnitFileState.ENABLED.spelling() : UnitFileState.DISABLED.spelling();
        }
        FileStates cache = fileStates;
        if (cache == null) {
            long generation = linksGenerationNow();
            FileStates fresh = new FileStates(UnitFileStates.of(loader), new ConcurrentHashMap<>());
            keepIfCurrent(generation, () -> fileStates = fresh);
            cache = fresh;
        }
        UnitFileStates links = cache.links();
        return cache.states().computeIfAbsent(u.name(), n -> links.stateOf(n, file.get())).spelling();
    }

    /** The unit files on the search path with their states, and the transient units, sorted as list-unit-files sorts. */
    List<UnitFileStates.Entry> unitFileStates(Iterable<UnitRecord> units) {
        List<UnitFileStates.Entry> out = new ArrayList<>(UnitFileStates.list(loader));
        for (UnitRecord u : units) {
            if (u.isTransient() && u.config() != null) {
                out.add(new UnitFileStates.Entry(u.name(), u.config().sources().fragment().orElse(null), UnitFileState.TRANSIENT));
            }
        }
        out.sort(UnitFileStates.ORDER);
        return out;
    }

    /** Creates the unit's [Install] links in the first search directory. */
    Manager.Enabled enable(UnitName name, UnitConfig config) {
        InstallSection install = config instanceof ServiceConfig s ? s.install()
                : config instanceof SliceConfig sl ? sl.install() : InstallSection.EMPTY;
        Path file = config.sources().fragment().orElseThrow(() ->
                new ManagerException(ManagerException.Kind.BAD_REQUEST, name.id(), "Unit " + name + " has no unit file to enable."));
        if (install.isEmpty()) {
            Log.info("enable %s: no [Install] section, nothing to do", name);
            return new Manager.Enabled(false, List.of());
        }
        List<String> made = new ArrayList<>();
        for (var link : install.enableLinks(loader.searchPath().getFirst(), name, file)) {
            try {
                Files.createDirectories(link.link().getParent());
                if (Files.isSymbolicLink(link.link())) Files.delete(link.link());
                Files.createSymbolicLink(link.link(), link.target());
                made.add(link.link() + " -> " + link.target());
            } catch (IOException e) {
                throw new ManagerException(ManagerException.Kind.BAD_REQUEST, name.id(), "cannot create " + link.link() + ": " + e);
            }
        }
        forget();
        Log.info("enabled %s: %s", name, String.join(", ", made));
        return new Manager.Enabled(true, made);
    }

    /** Removes the unit's links from every search directory it can write to. */
    List<String> disable(UnitName n, boolean known) {
        if (!loader.unitFiles().containsKey(n) && !known) {
            throw new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, n.id(), "Unit file " + n + " does not exist.");
        }
        List<String> removed = new ArrayList<>();
        forget();
        for (Path dir : loader.searchPath()) {
            if (!Files.isDirectory(dir)) continue;
            try (var s = Files.newDirectoryStream(dir, p -> p.getFileName().toString().endsWith(".wants")
                    || p.getFileName().toString().endsWith(".requires"))) {
                for (Path d : s) {
                    Path link = d.resolve(n.id());
                    if (Files.isSymbolicLink(link)) {
                        Files.delete(link);
                        removed.add(link.toString());
                    }
                }
            } catch (IOException e) {
                Log.warning("disable %s: %s", n, e);
            }
        }
        return removed;
    }
}
