package dev.tollgate.units;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedCollection;
import java.util.TreeMap;

/**
 * Finds a unit's drop-ins as systemd's {@code unit_file_find_dropin_paths()} (src/shared/dropin.c)
 * does (systemd.unit(5), "Description"):
 *
 * <ul>
 *   <li>in every search directory, in order: {@code NAME.d/}; for an instance also its template's
 *       {@code .d/}; then, for names with dashes, the prefix directories ({@code a-b-.slice.d/},
 *       {@code a-.slice.d/} for {@code a-b-c.slice}), most specific first;</li>
 *   <li>the same for each other name of the unit (an alias);</li>
 *   <li>last, the type-wide {@code service.d/} or {@code slice.d/} of every search directory;</li>
 *   <li>from all of these, every {@code *.conf} (not hidden); of several files with one name the
 *       first found wins, so an earlier search directory and a more specific directory override;
 *       the survivors are applied sorted by file name.</li>
 * </ul>
 */
final class DropIns {

    private DropIns() {}

    static List<Path> find(List<Path> searchPath, SequencedCollection<UnitName> names, UnitSuffix type) {
        List<Path> dirs = new ArrayList<>();
        for (UnitName n : names) {
            for (Path p : searchPath) {
                findDirs(p, n.id(), dirs);
            }
        }
        for (Path p : searchPath) {
            findDirs(p, type.suffix(), dirs);
        }
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path dir : new LinkedHashSet<>(dirs)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path f : ds) {
                    String fn = f.getFileName().toString();
                    if (fn.startsWith(".") || !fn.endsWith(".conf") || Files.isDirectory(f)) {
                        continue;
                    }
                    byName.putIfAbsent(fn, f);
                }
            } catch (IOException | RuntimeException e) {
                // An unreadable drop-in directory is skipped, as systemd skips it.
            }
        }
        return List.copyOf(new TreeMap<>(byName).values());
    }

    /** systemd's {@code unit_file_find_dirs()} for one search directory. */
    private static void findDirs(Path unitPath, String name, List<Path> dirs) {
        Path dir = unitPath.resolve(name + ".d");
        if (Files.isDirectory(dir)) {
            dirs.add(dir);
        }
        Optional<UnitName> parsed = UnitName.parse(name);
        if (parsed.isEmpty()) {
            return; // a type-wide name such as "service"
        }
        UnitName unit = parsed.get();
        if (unit.isInstance()) {
            findDirs(unitPath, unit.template().id(), dirs);
        }
        String prefix = unit.prefix();
        boolean chopped = false;
        for (;;) {
            int dash = prefix.lastIndexOf('-');
            if (dash <= 0) {
                return;
            }
            if (dash + 1 < prefix.length() || chopped) {
                prefix = prefix.substring(0, dash + 1);
                break;
            }
            prefix = prefix.substring(0, dash);
            chopped = true;
        }
        Optional<UnitName> built = UnitName.build(prefix, unit.isInstance() ? unit.instance() : null, unit.type());
        built.ifPresent(b -> findDirs(unitPath, b.id(), dirs));
    }
}
