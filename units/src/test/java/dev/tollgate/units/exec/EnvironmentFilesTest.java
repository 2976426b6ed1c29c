package dev.tollgate.units.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** systemd.exec(5), EnvironmentFile=, and load_env_file() of systemd 252. */
class EnvironmentFilesTest {

    @Test
    void shellLikeAssignments() {
        EnvironmentFiles.Parsed p = EnvironmentFiles.parse("""
                # comment
                ; also a comment
                  A = plain value   \s
                B='single $quoted \\n'
                C="double \\"esc\\" \\$HOME \\n kept"
                D=continued \\
                line
                E=
                1BAD=x
                A=again
                F="multi
                line"
                G=last""");
        assertThat(p.variables()).containsExactly(
                Map.entry("A", "again"),
                Map.entry("B", "single $quoted \\n"),
                Map.entry("C", "double \"esc\" $HOME \\n kept"),
                Map.entry("D", "continued line"),
                Map.entry("E", ""),
                Map.entry("F", "multi\nline"),
                Map.entry("G", "last"));
        assertThat(p.invalid()).containsExactly("1BAD=x");
    }

    @Test
    void aLineWithoutEqualsIsIgnored() {
        assertThat(EnvironmentFiles.parse("JUSTKEY\nK=v\n").variables()).containsExactly(Map.entry("K", "v"));
    }

    @Test
    void readingOptionalRequiredAndGlobs(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.env"), "A=1\n");
        Files.writeString(dir.resolve("b.env"), "B=2\nA=3\n");
        assertThat(EnvironmentFiles.read(new EnvironmentFile(dir.resolve("*.env"), false)))
                .isInstanceOfSatisfying(EnvironmentFiles.Result.Read.class,
                        r -> assertThat(r.parsed().variables()).containsExactly(Map.entry("A", "3"), Map.entry("B", "2")));
        assertThat(EnvironmentFiles.read(new EnvironmentFile(dir.resolve("missing"), true)))
                .isInstanceOf(EnvironmentFiles.Result.Read.class);
        assertThat(EnvironmentFiles.read(new EnvironmentFile(dir.resolve("missing"), false)))
                .isInstanceOf(EnvironmentFiles.Result.Failed.class);
    }
}
