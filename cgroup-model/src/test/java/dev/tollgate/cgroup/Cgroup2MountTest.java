package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.libc.ApiFileSystems;
import dev.tollgate.libc.FsMagic;
import dev.tollgate.libc.MountInfo;
import dev.tollgate.libc.MountinfoFixtures;
import dev.tollgate.libc.Statfs;
import dev.tollgate.testkit.Privileged;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cgroup2MountTest {

    /** A systemd host with the unified layout (Fedora, Debian 11+, Ubuntu 21.10+). */
    static final String UNIFIED = """
            22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
            23 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
            29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            30 23 0:27 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw
            31 23 0:28 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:6 - bpf bpf rw,mode=700
            """;

    /** A systemd host with the hybrid layout (Ubuntu 20.04, Debian 10). */
    static final String HYBRID = """
            24 23 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:8 - securityfs securityfs rw
            25 23 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
            27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
            30 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
            """;

    /** Hybrid, no optional fields at all (a firecracker VM's own init). */
    static final String HYBRID_NO_OPTIONAL_FIELDS = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    /** statfs as it answers on a system where cgroup2 is mounted at exactly these places. */
    static Cgroup2Mount.FileSystemProbe cgroup2At(String... places) {
        Set<Path> at = Arrays.stream(places).map(Path::of).collect(Collectors.toSet());
        return at::contains;
    }

    static Cgroup2Mount locate(Cgroup2Mount.FileSystemProbe probe, String mountinfo) throws CgroupException {
        return Cgroup2Mount.locate(probe, MountInfo.parse(mountinfo));
    }

    @Test
    void findsTheUnifiedLayout() throws Exception {
        Cgroup2Mount m = locate(cgroup2At("/sys/fs/cgroup"), UNIFIED);
        assertThat(m.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup"));
        assertThat(m.root()).isEqualTo(CgroupPath.ROOT);
        assertThat(m.layout()).isEqualTo(Cgroup2Mount.Layout.UNIFIED);
        assertThat(m.superOptions()).containsExactlyInAnyOrder("rw", "nsdelegate", "memory_recursiveprot");
        assertThat(m.nsdelegate()).isTrue();
    }

    @Test
    void findsTheHybridLayout() throws Exception {
        Cgroup2Mount m = locate(cgroup2At("/sys/fs/cgroup/unified"), HYBRID);
        assertThat(m.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
        assertThat(m.layout()).isEqualTo(Cgroup2Mount.Layout.HYBRID);
        assertThat(m.nsdelegate()).isTrue();

        Cgroup2Mount bare = locate(cgroup2At("/sys/fs/cgroup/unified"), HYBRID_NO_OPTIONAL_FIELDS);
        assertThat(bare.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
        assertThat(bare.layout()).isEqualTo(Cgroup2Mount.Layout.HYBRID);
        assertThat(bare.nsdelegate()).isFalse();
    }

    @Test
    void insideTheSystemdOracleItIsTheInstancesOwnMountNotTheHostsHiddenOne() throws Exception {
        // Before: the first cgroup2 line, the host's /sys/fs/cgroup/unified with root /.., and
        // tollgated.service exited with "invalid cgroup directory name '..'".
        String table = MountinfoFixtures.systemdOracle();
        Cgroup2Mount m = locate(cgroup2At("/sys/fs/cgroup"), table);
        assertThat(m.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup"));
        assertThat(m.root()).isEqualTo(CgroupPath.ROOT);
        // The host's v1 hierarchies are still listed but hidden: statfs says unified.
        assertThat(m.layout()).isEqualTo(Cgroup2Mount.Layout.UNIFIED);
        assertThat(m.superOptions()).containsExactly("rw");
        assertThat(m.nsdelegate()).isFalse();
    }

    @Test
    void aMountRootedOutsideTheCgroupNamespaceIsAClearError() {
        // A container that bind-mounts the host's hierarchy and unshares the cgroup namespace
        // without mounting cgroup2 afresh.
        String table = """
                22 1 0:21 / / rw - ext4 /dev/vda rw
                30 22 0:30 / /sys rw - sysfs sysfs rw
                31 30 0:38 /.. /sys/fs/cgroup rw - cgroup2 cgroup2 rw
                """;
        assertThatThrownBy(() -> locate(cgroup2At("/sys/fs/cgroup"), table))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("find the cgroup2 mount at /sys/fs/cgroup: it shows a cgroup outside this"
                        + " process's cgroup namespace (root /.. in /proc/self/mountinfo)")
                .hasMessageContaining("mount -t cgroup2 none /sys/fs/cgroup");
    }

    @Test
    void statfsDecidesNotTheFirstLine() {
        // mountinfo lists a cgroup2 at /sys/fs/cgroup, but statfs says nothing is cgroup2 there
        // (a later mount hides it, or it is the text of another namespace): no cgroup2.
        assertThatThrownBy(() -> locate(cgroup2At(), HYBRID_NO_OPTIONAL_FIELDS.replace("/unified", "")))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("statfs says neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is cgroup2,"
                        + " and mountinfo lists no other visible cgroup2 mount");
        // statfs says cgroup2 at a place mountinfo has no visible line for.
        assertThatThrownBy(() -> locate(cgroup2At("/sys/fs/cgroup"), HYBRID_NO_OPTIONAL_FIELDS))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("statfs says it is cgroup2, but /proc/self/mountinfo lists no visible cgroup2 mount there");
    }

    @Test
    void aStatfsThatFailsIsNotTakenForNo() {
        Cgroup2Mount.FileSystemProbe denied = path -> {
            throw new AccessDeniedException(path.toString(), null, "statfs: Permission denied");
        };
        assertThatThrownBy(() -> locate(denied, UNIFIED))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("statfs /sys/fs/cgroup: ")
                .hasMessageContaining("Permission denied");
    }

    @Test
    void elsewhereTheFirstVisibleWholeHierarchyThatStatfsConfirms() throws Exception {
        String text = """
                50 1 0:29 /sub /mnt/sub rw - cgroup2 cgroup2 rw
                51 1 0:29 / /cg rw - cgroup2 cgroup2 rw
                52 1 0:29 /other /cg rw - cgroup2 cgroup2 rw
                53 1 0:29 / /mnt/whole rw shared:9 master:1 propagate_from:2 unbindable - cgroup2 none rw
                54 1 0:29 / /mnt/stale rw - cgroup2 none rw
                """;
        // /cg is covered by mount 52 (a subtree); the first whole one still visible is /mnt/whole.
        assertThat(locate(cgroup2At("/cg", "/mnt/sub", "/mnt/whole"), text).mountPoint()).isEqualTo(Path.of("/mnt/whole"));
        // Only what statfs confirms counts.
        assertThat(locate(cgroup2At("/mnt/stale"), text).mountPoint()).isEqualTo(Path.of("/mnt/stale"));
        Cgroup2Mount sub = locate(cgroup2At("/mnt/sub"), "50 1 0:29 /sub /mnt/sub rw - cgroup2 cgroup2 rw\n");
        assertThat(sub.root()).isEqualTo(CgroupPath.of("sub"));
        assertThat(sub.layout()).isEqualTo(Cgroup2Mount.Layout.UNIFIED);
    }

    @Test
    void aContainerMountOfASubtreeKeepsItsRoot() throws Exception {
        String text = "1200 1190 0:29 /docker/3f2a /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n";
        Cgroup2Mount m = locate(cgroup2At("/sys/fs/cgroup"), text);
        assertThat(m.root()).isEqualTo(CgroupPath.parse("/docker/3f2a"));
        assertThat(m.belowMountPoint(CgroupPath.parse("/docker/3f2a/app.service"))).contains(CgroupPath.of("app.service"));
        assertThat(m.belowMountPoint(CgroupPath.parse("/docker/3f2a"))).contains(CgroupPath.ROOT);
        assertThat(m.belowMountPoint(CgroupPath.parse("/system.slice"))).isEmpty();
    }

    @Test
    void readsTheV2LineOfProcCgroup() {
        String hybrid = """
                9:name=systemd:/
                4:memory:/process_api/2326d097
                1:cpu:/
                0::/
                """;
        assertThat(Cgroup2Mount.parseProcCgroup(hybrid)).contains(CgroupPath.ROOT);
        assertThat(Cgroup2Mount.parseProcCgroup("0::/user.slice/user-1000.slice/session-2.scope\n"))
                .contains(CgroupPath.parse("/user.slice/user-1000.slice/session-2.scope"));
        assertThat(Cgroup2Mount.parseProcCgroup("0::/a:b/c\n")).contains(CgroupPath.of("a:b", "c"));
        assertThat(Cgroup2Mount.parseProcCgroup("0::/gone.service (deleted)\n")).contains(CgroupPath.of("gone.service"));
        assertThat(Cgroup2Mount.parseProcCgroup("1:cpu:/\n")).isEmpty();
    }

    @Test
    void parsesCgroupEvents() {
        assertThat(CgroupEvents.parse("populated 1\nfrozen 0\n")).isEqualTo(new CgroupEvents(true, false));
        assertThat(CgroupEvents.parse("populated 0\nfrozen 1\n")).isEqualTo(new CgroupEvents(false, true));
        assertThat(CgroupEvents.parse("populated 0\n")).isEqualTo(CgroupEvents.EMPTY);
        assertThat(CgroupEvents.parse("populated 1\nfrozen 0\nsomething_new 7\n").populated()).isTrue();
    }

    @Test
    void readsTheKernelDelegateListOrFallsBack(@TempDir Path dir) throws Exception {
        Path list = dir.resolve("delegate");
        Files.writeString(list, "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\nmemory.oom.group\nmemory.reclaim\n");
        assertThat(Cgroup.delegateFiles(list)).containsExactly(
                "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "memory.oom.group", "memory.reclaim");
        assertThat(Cgroup.delegateFiles(dir.resolve("missing")))
                .containsExactly("cgroup.procs", "cgroup.subtree_control", "cgroup.threads");
    }

    @Test
    @Privileged
    void findsThisHostsMountWhereStatfsSaysCgroup2() throws Exception {
        Cgroup2Mount m = Cgroup2Mount.current();
        assertThat(m.mountPoint()).isEqualTo(ApiFileSystems.cgroup2().orElseThrow());
        assertThat(Statfs.magic(m.mountPoint())).isEqualTo(FsMagic.CGROUP2.magic);
        assertThat(m.layout()).isEqualTo(m.mountPoint().equals(ApiFileSystems.CGROUP)
                ? Cgroup2Mount.Layout.UNIFIED : Cgroup2Mount.Layout.HYBRID);
        assertThat(Files.exists(m.mountPoint().resolve("cgroup.controllers"))).isTrue();
        assertThat(m.controllers()).isEqualTo(Cgroup.words(Files.readString(m.mountPoint().resolve("cgroup.controllers"))));
        CgroupPath own = Cgroup2Mount.ownCgroupPath();
        assertThat(Files.readString(Path.of("/proc/self/cgroup"))).contains("0::" + own + "\n");
        assertThat(m.ownCgroup().processes()).contains(ProcessHandle.current().pid());
    }
}
