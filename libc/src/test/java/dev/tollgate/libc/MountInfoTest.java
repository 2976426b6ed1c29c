package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountInfoTest {

    private static List<String> where(List<MountInfo.Mount> mounts, String fsType) {
        return mounts.stream().filter(m -> m.fsType().equals(fsType)).map(m -> m.id() + " " + m.root() + " " + m.mountPoint()).toList();
    }

    @Test
    void theOraclesTableListsTheHostsHiddenMountsFirst() {
        List<MountInfo.Mount> all = MountInfo.parse(MountinfoFixtures.systemdOracle());
        assertThat(all).hasSize(28);
        // What a reader of the first cgroup2 or bpf line got: the host's, rooted outside the
        // instance's cgroup namespace, and its bpffs, both under the instance's fresh /sys.
        assertThat(where(all, "cgroup2")).containsExactly("162 /.. /sys/fs/cgroup/unified", "173 / /sys/fs/cgroup");
        assertThat(where(all, "bpf")).containsExactly("163 / /sys/fs/bpf");
        MountInfo.Mount own = all.stream().filter(m -> m.id() == 173).findFirst().orElseThrow();
        assertThat(own.parentId()).isEqualTo(172);
        // ns-init.sh asks for nsdelegate; the kernel takes it only in the initial cgroup namespace.
        assertThat(own.superOptions()).containsExactly("rw");
        assertThat(all.stream().filter(m -> m.id() == 162).findFirst().orElseThrow().rootedOutsideNamespace()).isTrue();
    }

    @Test
    void onlyWhatAPathLookupReachesIsVisible() {
        List<MountInfo.Mount> visible = MountInfo.visible(MountInfo.parse(MountinfoFixtures.systemdOracle()));
        assertThat(where(visible, "cgroup2")).containsExactly("173 / /sys/fs/cgroup");
        assertThat(where(visible, "bpf")).isEmpty();
        assertThat(where(visible, "cgroup")).as("the host's v1 hierarchies under the old /sys").isEmpty();
        assertThat(where(visible, "sysfs")).containsExactly("172 / /sys");
        assertThat(where(visible, "proc")).containsExactly("171 / /proc", "175 /sys /proc/sys");
        assertThat(where(visible, "tmpfs")).containsExactly(
                "149 / /mnt/sandboxing/model_tools_env/v1/python", "166 / /dev/shm", "174 / /run", "177 / /run/lock");
        assertThat(visible.getFirst().mountPoint()).isEqualTo(Path.of("/"));
    }

    @Test
    void aMountOnTheSameMountPointHidesTheOneBelow() {
        String text = """
                22 1 0:21 / / rw - ext4 /dev/vda rw
                30 22 0:30 / /sys rw - sysfs sysfs rw
                31 30 0:31 / /sys/fs/bpf rw - bpf bpf rw
                32 31 0:32 / /sys/fs/bpf rw - tmpfs tmpfs rw
                """;
        assertThat(where(MountInfo.visible(MountInfo.parse(text)), "bpf")).isEmpty();
        assertThat(where(MountInfo.visible(MountInfo.parse(text)), "tmpfs")).containsExactly("32 / /sys/fs/bpf");
    }

    @Test
    void aMountMovedOntoANewerOneIsNotHiddenByIt() {
        // 40 was made first (at /tmp/x), then 41 at /mnt, then 40 moved to /mnt/x: it keeps its
        // place in the list but sits on 41, so 41 does not hide it.
        String text = """
                22 1 0:21 / / rw - ext4 /dev/vda rw
                40 41 0:40 / /mnt/x rw - bpf bpf rw
                41 22 0:41 / /mnt rw - tmpfs tmpfs rw
                """;
        assertThat(where(MountInfo.visible(MountInfo.parse(text)), "bpf")).containsExactly("40 / /mnt/x");
        // The same lines where 40 sits on the root instead: 41 came later on a parent directory.
        String hidden = text.replace("40 41 0:40", "40 22 0:40");
        assertThat(where(MountInfo.visible(MountInfo.parse(hidden)), "bpf")).isEmpty();
    }

    @Test
    void aSiblingDirectoryIsNotAParent() {
        String text = """
                22 1 0:21 / / rw - ext4 /dev/vda rw
                30 22 0:30 / /sys/fs/bpf rw - bpf bpf rw
                31 22 0:31 / /sys/fs/bp rw - tmpfs tmpfs rw
                32 22 0:32 / /sys/fs/bpf2 rw - tmpfs tmpfs rw
                """;
        assertThat(where(MountInfo.visible(MountInfo.parse(text)), "bpf")).containsExactly("30 / /sys/fs/bpf");
    }

    @Test
    void parsesOptionalFieldsEscapesAndSkipsWhatIsNotALine() {
        String text = """
                40 1 0:38 /a\\040b /mnt/my\\040cgroup\\011x\\134y rw shared:9 master:1 propagate_from:2 unbindable - cgroup2 none rw,nsdelegate
                41 1 0:39 / /mnt/a\\040-\\040b rw - tmpfs tmpfs rw
                42 1 0:40 / /bare rw - tmpfs
                garbage line
                x y 0:1 / /z rw - tmpfs tmpfs rw

                """;
        List<MountInfo.Mount> m = MountInfo.parse(text);
        assertThat(m).extracting(MountInfo.Mount::mountPoint)
                .containsExactly(Path.of("/mnt/my cgroup\tx\\y"), Path.of("/mnt/a - b"), Path.of("/bare"));
        assertThat(m.getFirst().root()).isEqualTo("/a b");
        assertThat(m.getFirst().fsType()).isEqualTo("cgroup2");
        assertThat(m.getFirst().superOptions()).containsExactlyInAnyOrder("rw", "nsdelegate");
        assertThat(m.get(2).superOptions()).isEmpty();
        assertThat(MountInfo.unescape("\\303\\251t\\303\\251")).isEqualTo("été");
        assertThat(MountInfo.unescape("trailing\\04")).isEqualTo("trailing\\04");
    }

    @Test
    void rootsOutsideTheNamespaceAreDropped() {
        String text = """
                22 1 0:21 / / rw - ext4 /dev/vda rw
                30 22 0:38 /../.. /a rw - cgroup cgroup rw,memory
                31 22 0:38 /.. /b rw - cgroup2 cgroup2 rw
                32 22 0:38 /..x /c rw - cgroup2 cgroup2 rw
                """;
        assertThat(MountInfo.visible(MountInfo.parse(text))).extracting(MountInfo.Mount::id).containsExactly(22, 32);
    }
}
