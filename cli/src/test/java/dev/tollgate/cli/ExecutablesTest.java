package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tollctl run finds its command as systemd-run 252/257 do (their answers were checked by hand, see each case). */
class ExecutablesTest {
    @TempDir
    Path dir;

    private Path file(String name, String perms) throws IOException {
        Path p = Files.createFile(dir.resolve(name));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    @Test
    void aBareNameIsSearchedInPathAndOnlyExecutableFilesCount() throws Exception {
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));
        Files.setPosixFilePermissions(Files.createFile(first.resolve("tool")), PosixFilePermissions.fromString("rw-r--r--"));
        Path tool = Files.createFile(second.resolve("tool"));
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = "relative:" + first + ":" + second;
        assertThat(Executables.find("tool", path, dir)).isEqualTo(tool.toString());
        // systemd-run nosuchcmd: "Failed to find executable nosuchcmd: No such file or directory"
        assertThatThrownBy(() -> Executables.find("nosuchcmd", path, dir)).hasMessage("No such file or directory");
        // A file we may not execute is skipped, so not found (systemd 257, gx-ne in /usr/local/bin).
        assertThatThrownBy(() -> Executables.find("tool", first.toString(), dir)).hasMessage("No such file or directory");
        Files.createDirectories(first.resolve("adir"));
        assertThatThrownBy(() -> Executables.find("adir", first.toString(), dir)).hasMessage("Is a directory");
    }

    @Test
    void aNameWithASlashIsAPath() throws Exception {
        // systemd-run /nonexistent: "Failed to find executable /nonexistent: No such file or directory"
        assertThatThrownBy(() -> Executables.find(dir.resolve("nonexistent").toString(), null, dir))
                .hasMessage("No such file or directory");
        // systemd-run /tmp: "Failed to find executable /tmp: Is a directory"
        assertThatThrownBy(() -> Executables.find(dir.toString(), null, dir)).hasMessage("Is a directory");
        // An existing file that is not executable passes: the unit then fails with 203/EXEC, as in systemd.
        Path plain = file("plain", "rw-r--r--");
        assertThat(Executables.find(plain.toString(), null, dir)).isEqualTo(plain.toString());
        // A relative path is made absolute.
        assertThat(Executables.find("./plain", null, dir)).isEqualTo(plain.toString());
    }

    @Test
    void theDescriptionQuotesAsSystemdRun() {
        // systemd-run true a "b c" -> Description=[systemd-run] /usr/bin/true a "b c"
        assertThat(Executables.quote(List.of("/usr/bin/true", "a", "b c"))).isEqualTo("/usr/bin/true a \"b c\"");
        assertThat(Executables.quote(List.of("/bin/sh", "-c", "echo $HOME", ""))).isEqualTo("/bin/sh -c \"echo \\$HOME\" \"\"");
    }
}
