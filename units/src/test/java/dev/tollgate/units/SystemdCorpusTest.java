package dev.tollgate.units;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every {@code .service} and {@code .slice} file the machine's packages ship in systemd's unit
 * directories loads without an error (warnings for directives tollgate does not implement are
 * fine). Files are deduplicated by real path; templates are loaded as an instance.
 */
class SystemdCorpusTest {

    /** systemd's system search path, highest priority first (systemd.unit(5), table 1, minus generators). */
    private static final List<Path> SYSTEMD_PATH = List.of(Path.of("/etc/systemd/system"), Path.of("/run/systemd/system"),
            Path.of("/usr/local/lib/systemd/system"), Path.of("/lib/systemd/system"), Path.of("/usr/lib/systemd/system"));

    /** The directories the corpus is taken from. */
    private static final List<Path> CORPUS_DIRS = List.of(Path.of("/lib/systemd/system"), Path.of("/usr/lib/systemd/system"),
            Path.of("/etc/systemd/system"));

    /**
     * Files systemd itself refuses, which may fail here too; each with the reason. (None on the
     * Debian 12 machine this was written on: its systemd-analyze verify accepts them all.)
     */
    private static final Map<String, String> EXCLUDED = Map.of();

    private static final String INSTANCE = "corpus";

    @Test
    void everyShippedServiceAndSliceLoads() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : CORPUS_DIRS) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.{service,slice}")) {
                ds.forEach(files::add);
            }
        }
        Assumptions.assumeTrue(!files.isEmpty(), "no .service or .slice files in " + CORPUS_DIRS
                + " (`ls /lib/systemd/system` finds nothing): this machine has no systemd corpus, test skipped");

        // Deduplicate by real path; masks (links to /dev/null) by the real path of the link itself.
        Map<Path, Path> byRealPath = new LinkedHashMap<>();
        Set<Path> masks = new LinkedHashSet<>();
        for (Path f : files) {
            Path real;
            try {
                real = f.toRealPath();
            } catch (IOException e) {
                real = f; // dangling: keep it, loading will say why
            }
            if (real.equals(Path.of("/dev/null"))) {
                masks.add(f.getParent().toRealPath().resolve(f.getFileName()));
                continue;
            }
            byRealPath.putIfAbsent(real, f);
        }

        UnitLoader full = new UnitLoader(SYSTEMD_PATH, HostFacts.probe());
        Set<String> loadedViaFullPath = new LinkedHashSet<>();
        Map<String, String> failures = new TreeMap<>();
        Map<String, Integer> warningKinds = new TreeMap<>();
        int loaded = 0;
        int masked = 0;
        int warnings = 0;
        int notices = 0;
        for (Map.Entry<Path, Path> e : byRealPath.entrySet()) {
            Path file = e.getValue();
            String fileName = file.getFileName().toString();
            String name = fileName.contains("@.") ? fileName.replace("@.", "@" + INSTANCE + ".") : fileName;
            // Load by name through systemd's whole search path when this file is the one that wins
            // (so drop-ins from every directory apply); a shadowed file is loaded on its own.
            boolean wins = loadedViaFullPath.add(name);
            UnitLoader loader = wins ? full : new UnitLoader(List.of(file.getParent()), HostFacts.probe());
            LoadResult r = loader.load(name);
            for (UnitFileDiagnostic d : r.diagnostics()) {
                if (d.severity() == LogLevel.WARNING) {
                    warnings++;
                    warningKinds.merge(d.message().replaceAll("'[^']*'", "'…'").replaceAll(":.*", ""), 1, Integer::sum);
                } else if (d.severity() == LogLevel.NOTICE) {
                    notices++;
                }
            }
            switch (r) {
                case LoadResult.Loaded l -> {
                    loaded++;
                    assertThat(l.diagnostics()).noneMatch(UnitFileDiagnostic::isError);
                }
                case LoadResult.Masked m -> masked++;
                case LoadResult.NotFound n -> failures.put(file.toString(), "not found: " + n.diagnostics());
                case LoadResult.Failed f -> failures.put(file.toString(), f.reason());
            }
        }
        failures.keySet().removeAll(EXCLUDED.keySet());

        System.out.printf("systemd corpus: %d unit files (%d distinct by real path, %d links to /dev/null): "
                        + "%d loaded, %d masked, %d failed; %d warnings, %d notices%n",
                files.size(), byRealPath.size(), masks.size(), loaded, masked + masks.size(), failures.size(), warnings, notices);
        warningKinds.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(8)
                .forEach(k -> System.out.printf("  %5d × %s%n", k.getValue(), k.getKey()));
        assertThat(failures).as("units that failed to load").isEmpty();
        assertThat(loaded).isPositive();
    }
}
