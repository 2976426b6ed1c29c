package dev.tollgate.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountsAndCpusTest {

    @Test
    void parsesMountinfoOfBothLayouts() {
        List<Mounts.Mount> hybrid = Mounts.parse(List.of(
                "30 24 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
                "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate",
                "40 24 0:35 / /sys/fs/bpf rw,relatime shared:14 master:2 - bpf bpf rw,mode=700",
                "41 24 0:36 / /mnt/with\\040space rw - ext4 /dev/sda1 rw"));
        assertThat(hybrid).containsExactly(
                new Mounts.Mount(Path.of("/sys/fs/cgroup"), "tmpfs"),
                new Mounts.Mount(Path.of("/sys/fs/cgroup/unified"), "cgroup2"),
                new Mounts.Mount(Path.of("/sys/fs/bpf"), "bpf"),
                new Mounts.Mount(Path.of("/mnt/with space"), "ext4"));
        assertThat(Mounts.parse(List.of("25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw")))
                .containsExactly(new Mounts.Mount(Path.of("/sys/fs/cgroup"), "cgroup2"));
    }

    @Test
    void countsPossibleCpuLists() {
        assertThat(PossibleCpus.parse("0\n")).isEqualTo(1);
        assertThat(PossibleCpus.parse("0-1")).isEqualTo(2);
        assertThat(PossibleCpus.parse("0-3,8,10-11\n")).isEqualTo(7);
        assertThatThrownBy(() -> PossibleCpus.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(PossibleCpus.count()).isPositive();
    }

    @Test
    void objectNamesFollowTheKernelRule() {
        assertThat(ObjectName.check("tg_fw_ingress")).isEqualTo("tg_fw_ingress");
        assertThatThrownBy(() -> ObjectName.check("a_name_that_is_too_long")).hasMessageContaining("longer than 15");
        assertThatThrownBy(() -> ObjectName.check("web-server")).hasMessageContaining("[A-Za-z0-9_.]");
        assertThat(ObjectName.sanitize("web-server.service")).isEqualTo("web_server.serv");
    }
}
