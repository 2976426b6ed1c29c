package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** statfs(2) on real paths of this machine. */
class StatfsTest {

    @Test
    void namesMagicNumbers() {
        assertThat(FsMagic.of(0x63677270L)).contains(FsMagic.CGROUP2);
        assertThat(FsMagic.of(0xcafe4a11L)).contains(FsMagic.BPF_FS);
        // A long f_type may carry the 32-bit value sign-extended on some ABIs.
        assertThat(FsMagic.of(0xffffffffcafe4a11L)).contains(FsMagic.BPF_FS);
        assertThat(FsMagic.describe(0x01021994L)).isEqualTo("tmpfs (0x1021994)");
        assertThat(FsMagic.describe(0x12345678L)).isEqualTo("0x12345678");
    }

    @Test
    void aMissingPathIsAClearError(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> Statfs.magic(missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessage(missing + ": statfs: ENOENT (2, No such file or directory)");
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> Statfs.magic(file.resolve("below")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessage(file.resolve("below") + ": statfs: ENOTDIR (20, Not a directory)");
        assertThat(Statfs.isOn(missing, FsMagic.TMPFS)).isFalse();
    }

    @Test
    void procAndSysAreWhatTheySay() throws IOException {
        assertThat(FsMagic.describe(Statfs.magic(Path.of("/proc")))).isEqualTo("proc (0x9fa0)");
        assertThat(Statfs.isOn(Path.of("/proc/self"), FsMagic.PROC)).isTrue();
        assertThat(Statfs.isOn(Path.of("/sys"), FsMagic.SYSFS)).isTrue();
        assertThat(Statfs.isOn(Path.of("/sys"), FsMagic.TMPFS)).isFalse();
    }

    @Test
    @RootOnly
    void cgroup2IsFoundWhereSystemdLooks() throws IOException {
        Path cgroup2 = ApiFileSystems.cgroup2().orElseThrow();
        assertThat(ApiFileSystems.CGROUP2_PLACES).contains(cgroup2);
        assertThat(Statfs.magic(cgroup2)).isEqualTo(FsMagic.CGROUP2.magic);
        // A cgroup directory below the mount point is on the same file system.
        assertThat(Statfs.isOn(cgroup2.resolve("cgroup.procs"), FsMagic.CGROUP2)).isTrue();
        if (cgroup2.equals(ApiFileSystems.CGROUP_UNIFIED)) {
            // The hybrid layout: v1 hierarchies beside it, on a tmpfs.
            assertThat(FsMagic.describe(Statfs.magic(ApiFileSystems.CGROUP))).isEqualTo("tmpfs (0x1021994)");
        }
    }

    @Test
    @RootOnly
    void bpffsAndATmpfsMountedHereAndGoneAgain(@TempDir Path dir) throws Exception {
        assertThat(FsMagic.describe(Statfs.magic(ApiFileSystems.BPFFS))).isEqualTo("bpf (0xcafe4a11)");
        Path point = Files.createDirectory(dir.resolve("mnt"));
        long before = Statfs.magic(point);
        assertThat(before).isNotEqualTo(FsMagic.TMPFS.magic);
        run("mount", "-t", "tmpfs", "-o", "size=64k", "tollgate-statfs-test", point.toString());
        try {
            assertThat(FsMagic.describe(Statfs.magic(point))).isEqualTo("tmpfs (0x1021994)");
            assertThat(Statfs.isOn(point, FsMagic.TMPFS)).isTrue();
            run("mount", "-t", "bpf", "tollgate-statfs-test", point.toString());
            try {
                // The newest mount on the point is what statfs sees.
                assertThat(Statfs.isOn(point, FsMagic.BPF_FS)).isTrue();
            } finally {
                run("umount", point.toString());
            }
            assertThat(Statfs.isOn(point, FsMagic.TMPFS)).isTrue();
        } finally {
            run("umount", point.toString());
        }
        assertThat(Statfs.magic(point)).isEqualTo(before);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }
}
