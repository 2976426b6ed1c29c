package dev.tollgate.system.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mvnw} on a machine whose default JDK is too old for tollgate (issue 12): it finds a
 * suitable JDK as {@code ./dev} does, or says in one line what it needs.
 */
class MavenWrapperTest {
    private static final Path PROJECT = Path.of(System.getProperty("user.dir")).getParent();

    record Run(int exit, String stdout, String stderr) {}

    private static Run mvnw(Map<String, String> env, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().add(PROJECT.resolve("mvnw").toString());
        pb.command().addAll(List.of(args));
        pb.directory(PROJECT.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("MAVEN_ARGS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        return new Run(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** A JDK 17 look-alike: what {@code JAVA_HOME} names on a Debian 12 machine by default. */
    private static Path oldJdk(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("java", "javac")) {
            Path f = bin.resolve(tool);
            Files.writeString(f, "#!/bin/sh\necho 'Unrecognized option: --sun-misc-unsafe-memory-access=allow' >&2\nexit 1\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(dir.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        return dir;
    }

    @Test
    void anOldJavaHomeIsPassedOverForASuitableJdk(@TempDir Path tmp) throws Exception {
        Path old = oldJdk(tmp.resolve("jdk-17"));
        Run run = mvnw(Map.of("JAVA_HOME", old.toString(), "PATH", old.resolve("bin") + ":/usr/bin:/bin"), "--version");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stdout()).containsPattern("Java version: (2[5-9]|[3-9][0-9])");
        assertThat(run.stdout()).doesNotContain(old.toString());
    }

    @Test
    void withoutASuitableJdkItSaysWhatItNeedsInOneLine(@TempDir Path tmp) throws Exception {
        Path old = oldJdk(tmp.resolve("jdk-17"));
        Run run = mvnw(Map.of("JAVA_HOME", old.toString(), "TOLLGATE_MIN_JDK", "999"), "--version");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr().lines().toList())
                .singleElement()
                .asString()
                .startsWith("mvnw: tollgate builds with a JDK 999 or newer and found none")
                .contains("JAVA_HOME");
    }
}
