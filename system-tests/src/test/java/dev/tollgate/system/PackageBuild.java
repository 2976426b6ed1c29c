package dev.tollgate.system;

import dev.tollgate.system.SystemdOracle.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The Debian package of this build, as packaging/deb/build.sh makes it. */
final class PackageBuild {
    private PackageBuild() {}

    /**
     * {@code -Dtollgate.deb=FILE} if given; else the newest packaging/target/tollgate_*.deb if
     * it is newer than the distribution it packs (packaging/target/tollgate, which the reactor
     * builds before this module); else {@code build.sh --no-build} packs that distribution now.
     */
    static Path deb(Path repo) throws IOException {
        String given = System.getProperty("tollgate.deb", "");
        if (!given.isEmpty()) {
            Path deb = repo.resolve(given);
            if (!Files.isRegularFile(deb)) throw new IllegalStateException("-Dtollgate.deb=" + given + " is not a file");
            return deb;
        }
        Path target = repo.resolve("packaging/target");
        Path dist = target.resolve("tollgate");
        if (!Files.isExecutable(dist.resolve("bin/tollgated"))) {
            throw new IllegalStateException(dist + " has no bin/tollgated: build the distribution first"
                    + " (./mvnw package -pl packaging -am, or packaging/deb/build.sh)");
        }
        FileTime distTime = newest(dist);
        Optional<Path> built = newestDeb(target);
        if (built.isPresent() && Files.getLastModifiedTime(built.get()).compareTo(distTime) >= 0) return built.get();
        Path buildLog = target.resolve("deb-build-for-tests.log");
        long t0 = System.nanoTime();
        Result r = Result.run(List.of(repo.resolve("packaging/deb/build.sh").toString(), "--no-build"),
                Map.of("JAVA_HOME", System.getProperty("java.home")), null);
        System.out.printf("packaging/deb/build.sh --no-build: exit %d after %d s (log: %s)%n",
                r.exit(), (System.nanoTime() - t0) / 1_000_000_000L, buildLog);
        Files.writeString(buildLog, r.toString());
        if (r.exit() != 0) throw new IllegalStateException("packaging/deb/build.sh --no-build failed (log: " + buildLog + "):\n" + r);
        return newestDeb(target).orElseThrow(() -> new IllegalStateException("build.sh made no .deb in " + target + ":\n" + r));
    }

    private static Optional<Path> newestDeb(Path target) throws IOException {
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("tollgate_.*\\.deb"))
                    .max(Comparator.comparing(PackageBuild::modified));
        }
    }

    private static FileTime newest(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(PackageBuild::modified).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
