package dev.tollgate.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins.ensureDirectory asks the path with statfs whether it is on bpffs. */
@Privileged
class PinsDirectoryTest {

    @Test
    void aDirectoryUnderSysFsBpfIsCreatedThere() throws Exception {
        Path dir = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8)).resolve("a");
        try {
            assertThat(Pins.ensureDirectory(dir)).isEqualTo(dir);
            assertThat(Files.isDirectory(dir)).isTrue();
            assertThat(Pins.isOnBpffs(dir)).isTrue();
            assertThat(Pins.isOnBpffs(dir.resolve("not-yet"))).isTrue();
        } finally {
            Pins.removeTree(dir.getParent());
        }
    }

    @Test
    void makeDirectoryMakesOneInABpffsDirectoryAndTakesEnsureDirectorysWayWithoutItsParent() throws Exception {
        Path root = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Path deep = root.resolve("units/a");
            Pins.makeDirectory(deep); // no parent yet: made the way ensureDirectory makes it
            assertThat(Files.isDirectory(deep)).isTrue();
            Pins.makeDirectory(deep); // there already: fine
            Path next = root.resolve("units/b");
            Pins.makeDirectory(next);
            assertThat(Files.isDirectory(next)).isTrue();
            Path pin = root.resolve("units/c");
            try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY, "tg_test_md", 4, 4, 1))) {
                m.pin(pin);
            }
            // A pin where the directory should be is not taken for one.
            assertThatThrownBy(() -> Pins.makeDirectory(pin)).isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageContaining("EEXIST");
        } finally {
            Pins.removeTree(root);
        }
    }

    @Test
    void aDirectoryOnAnotherFileSystemIsRefusedWithWhatStatfsSays(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("pins");
        assertThat(Pins.isOnBpffs(dir)).isFalse();
        assertThatThrownBy(() -> Pins.ensureDirectory(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith(dir + " is not on bpffs (statfs says ")
                .hasMessageEndingWith("): mount -t bpf bpf DIR");
        assertThat(Files.exists(dir)).isFalse();
    }

    @Test
    void aBpffsMountedElsewhereIsFoundByItsPathAlone(@TempDir Path tmp) throws Exception {
        Path point = Files.createDirectory(tmp.resolve("bpffs"));
        run("mount", "-t", "bpf", "tollgate-pins-test", point.toString());
        try {
            Path dir = point.resolve("x/y");
            assertThat(Pins.ensureDirectory(dir)).isEqualTo(dir);
            assertThat(Pins.isOnBpffs(dir)).isTrue();
        } finally {
            run("umount", point.toString());
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }
}
