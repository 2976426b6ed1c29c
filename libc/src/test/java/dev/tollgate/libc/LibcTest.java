package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw calls on real files: each reports the errno that tells one failure from another. */
class LibcTest {
    @Test
    void mkdirAndRmdirSayWhyTheyFailed(@TempDir Path dir) throws IOException {
        Path d = dir.resolve("d");
        assertThat(Libc.mkdir(d, 0755)).isZero();
        assertThat(Libc.mkdir(d, 0755)).isEqualTo(Errno.EEXIST.number());
        assertThat(Libc.mkdir(dir.resolve("no/such"), 0755)).isEqualTo(Errno.ENOENT.number());
        Files.writeString(d.resolve("f"), "x");
        assertThat(Libc.rmdir(d)).isEqualTo(Errno.ENOTEMPTY.number());
        Files.delete(d.resolve("f"));
        assertThat(Libc.rmdir(d)).isZero();
        assertThat(Libc.rmdir(d)).isEqualTo(Errno.ENOENT.number());
    }

    @Test
    void openReturnsTheFdOrTheNegativeErrno(@TempDir Path dir) throws IOException {
        int fd = Posix.open(dir.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        Posix.close(fd);
        assertThat(Posix.open(dir.resolve("missing").toString(), Posix.O_RDONLY, 0)).isEqualTo(-Errno.ENOENT.number());
        Path file = Files.writeString(dir.resolve("file"), "");
        assertThat(Posix.open(file.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY, 0)).isEqualTo(-Errno.ENOTDIR.number());
    }

    @Test
    void writeFileWritesAllInOneCall(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "");
        assertThat(Libc.writeFile(file, "+memory -io".getBytes(StandardCharsets.UTF_8))).isZero();
        assertThat(Files.readString(file)).isEqualTo("+memory -io");
        assertThat(Libc.writeFile(dir.resolve("missing"), new byte[] {'1'})).isEqualTo(Errno.ENOENT.number());
    }

    @Test
    void subdirectoriesListsDirectoriesOnlyAndSaysWhyItCannot(@TempDir Path dir) throws IOException {
        Files.createDirectory(dir.resolve("a.service"));
        Files.createDirectory(dir.resolve("b"));
        Files.writeString(dir.resolve("cgroup.procs"), "");
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("b"));
        java.util.List<String> names = new java.util.ArrayList<>();
        assertThat(Libc.subdirectories(dir, names)).isZero();
        assertThat(names).containsExactlyInAnyOrder("a.service", "b");
        names.clear();
        assertThat(Libc.subdirectories(dir.resolve("missing"), names)).isEqualTo(Errno.ENOENT.number());
        assertThat(Libc.subdirectories(dir.resolve("cgroup.procs"), names)).isEqualTo(Errno.ENOTDIR.number());
        assertThat(names).isEmpty();
        assertThat(Libc.pathError("opendir", dir.resolve("missing"), Errno.ENOENT.number()))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void unlinkAndRenameSayWhyTheyFailed(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "x");
        assertThat(Libc.rename(f, dir.resolve("g"))).isZero();
        assertThat(Files.readString(dir.resolve("g"))).isEqualTo("x");
        assertThat(Libc.rename(f, dir.resolve("h"))).isEqualTo(Errno.ENOENT.number());
        assertThat(Libc.unlink(dir.resolve("g"))).isZero();
        assertThat(Libc.unlink(dir.resolve("g"))).isEqualTo(Errno.ENOENT.number());
    }

    @Test
    void killSignalsOneProcessOnly() {
        assertThat(Libc.kill(ProcessHandle.current().pid(), 0)).isZero();
        // 0 and negative pids would reach a process group: refused before the call.
        assertThatThrownBy(() -> Libc.kill(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Libc.kill(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
