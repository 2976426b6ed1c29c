package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tollgate.testkit.PrivilegedCondition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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

    @Test
    void findsTheUnifiedLayout() {
        Cgroup2Mount m = Cgroup2Mount.parseMountinfo(UNIFIED).orElseThrow();
        assertThat(m.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup"));
        assertThat(m.root()).isEqualTo(CgroupPath.ROOT);
        assertThat(m.layout()).isEqualTo(Cgroup2Mount.Layout.UNIFIED);
        assertThat(m.superOptions()).containsExactlyInAnyOrder("rw", "nsdelegate", "memory_recursiveprot");
        assertThat(m.nsdelegate()).isTrue();
    }

    @Test
    void findsTheHybridLayout() {
        Cgroup2Mount m = Cgroup2Mount.parseMountinfo(HYBRID).orElseThrow();
        assertThat(m.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
        assertThat(m.layout()).isEqualTo(Cgroup2Mount.Layout.HYBRID);
        assertThat(m.nsdelegate()).isTrue();

        Cgroup2Mount bare = Cgroup2Mount.parseMountinfo(HYBRID_NO_OPTIONAL_FIELDS).orElseThrow();
        assertThat(bare.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
        assertThat(bare.layout()).isEqualTo(Cgroup2Mount.Layout.HYBRID);
        assertThat(bare.nsdelegate()).isFalse();
    }

    @Test
    void skipsAnyNumberOfOptionalFields() {
        String text = "40 1 0:38 / /cg rw,relatime shared:9 master:1 propagate_from:2 unbindable - cgroup2 none rw\n";
        assertThat(Cgroup2Mount.parseMountinfo(text).orElseThrow().mountPoint()).isEqualTo(Path.of("/cg"));
    }

    @Test
    void unescapesOctalEscapesInPaths() {
        String text = "40 1 0:38 /a\\040b /mnt/my\\040cgroup\\011x\\134y rw - cgroup2 cgroup2 rw\n";
        Cgroup2Mount m = Cgroup2Mount.parseMountinfo(text).orElseThrow();
        assertThat(m.mountPoint()).isEqualTo(Path.of("/mnt/my cgroup\tx\\y"));
        assertThat(m.root()).isEqualTo(CgroupPath.of("a b"));
        assertThat(Cgroup2Mount.unescape("a\\040-\\040b")).isEqualTo("a - b");
        assertThat(Cgroup2Mount.unescape("\\303\\251t\\303\\251")).isEqualTo("été");
        assertThat(Cgroup2Mount.unescape("trailing\\04")).isEqualTo("trailing\\04");
    }

    @Test
    void aMountPointThatLooksLikeTheSeparatorIsNotConfused() {
        // " - " inside a path is escaped, so the first bare "-" field is always the separator.
        String text = "40 1 0:38 / /mnt/a\\040-\\040b rw shared:3 - cgroup2 cgroup2 rw\n";
        assertThat(Cgroup2Mount.parseMountinfo(text).orElseThrow().mountPoint()).isEqualTo(Path.of("/mnt/a - b"));
    }

    @Test
    void aContainerMountOfASubtreeKeepsItsRoot() {
        String text = "1200 1190 0:29 /docker/3f2a /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n";
        Cgroup2Mount m = Cgroup2Mount.parseMountinfo(text).orElseThrow();
        assertThat(m.root()).isEqualTo(CgroupPath.parse("/docker/3f2a"));
        assertThat(m.belowMountPoint(CgroupPath.parse("/docker/3f2a/app.service"))).contains(CgroupPath.of("app.service"));
        assertThat(m.belowMountPoint(CgroupPath.parse("/docker/3f2a"))).contains(CgroupPath.ROOT);
        assertThat(m.belowMountPoint(CgroupPath.parse("/system.slice"))).isEmpty();
    }

    @Test
    void prefersTheWholeHierarchyAndTheLastMountOnAMountPoint() {
        String text = """
                50 1 0:29 /sub /mnt/sub rw - cgroup2 cgroup2 rw
                51 1 0:29 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw
                52 1 0:29 /other /sys/fs/cgroup rw - cgroup2 cgroup2 rw
                53 1 0:29 / /mnt/whole rw - cgroup2 cgroup2 rw
                """;
        // /sys/fs/cgroup is covered by mount 52 (a subtree); the first whole one still visible is /mnt/whole.
        assertThat(Cgroup2Mount.parseMountinfo(text).orElseThrow().mountPoint()).isEqualTo(Path.of("/mnt/whole"));
        assertThat(Cgroup2Mount.parseMountinfo("50 1 0:29 /sub /mnt/sub rw - cgroup2 cgroup2 rw\n").orElseThrow().root())
                .isEqualTo(CgroupPath.of("sub"));
    }

    @Test
    void noCgroup2MeansEmpty() {
        String v1only = "27 25 0:25 / /sys/fs/cgroup/systemd rw,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd\n";
        assertThat(Cgroup2Mount.parseMountinfo(v1only)).isEmpty();
        assertThat(Cgroup2Mount.parseMountinfo("")).isEmpty();
        assertThat(Cgroup2Mount.parseMountinfo("garbage line\n")).isEmpty();
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
    void findsThisHostsMountLikeTheTestkitDoes() throws Exception {
        Optional<Path> expected = PrivilegedCondition.Host.cgroup2Mount();
        assumeTrue(expected.isPresent(), "no cgroup2 on this host");
        Cgroup2Mount m = Cgroup2Mount.current();
        assertThat(m.mountPoint()).isEqualTo(expected.get());
        assertThat(Files.exists(m.mountPoint().resolve("cgroup.controllers"))).isTrue();
        assertThat(m.controllers()).isEqualTo(Cgroup.words(Files.readString(m.mountPoint().resolve("cgroup.controllers"))));
        CgroupPath own = Cgroup2Mount.ownCgroupPath();
        assertThat(Files.readString(Path.of("/proc/self/cgroup"))).contains("0::" + own + "\n");
        assertThat(m.ownCgroup().processes()).contains(ProcessHandle.current().pid());
    }
}
