package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupIdTest {
    @Test
    @RootOnly
    void aCgroupsIdIsItsKernfsNodeIdWhichIsItsInodeOn64Bit() throws IOException {
        Path mount = ApiFileSystems.cgroup2().orElseThrow();
        assertThat(CgroupId.of(mount)).as("the root cgroup's id").isEqualTo(1L);
        Path dir = mount.resolve("tollgate-test-cgroupid-" + UUID.randomUUID().toString().substring(0, 8));
        assertThat(Libc.mkdir(dir, 0755)).isZero();
        try {
            long id = CgroupId.of(dir);
            assertThat(id).isEqualTo(((Number) Files.getAttribute(dir, "unix:ino")).longValue()).isNotEqualTo(1L);
        } finally {
            assertThat(Libc.rmdir(dir)).isZero();
        }
        assertThatThrownBy(() -> CgroupId.of(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("name_to_handle_at: ENOENT");
    }

    @Test
    void aDirectoryElsewhereIsNoCgroup(@TempDir Path dir) {
        // A tmpfs or disk directory: a handle of another type (or none at all), never taken for an id.
        assertThatThrownBy(() -> CgroupId.of(dir)).isInstanceOf(FileSystemException.class)
                .hasMessageContaining("not a cgroup v2 directory");
        assertThatThrownBy(() -> CgroupId.of(Path.of("/proc/self"))).isInstanceOf(FileSystemException.class);
    }
}
