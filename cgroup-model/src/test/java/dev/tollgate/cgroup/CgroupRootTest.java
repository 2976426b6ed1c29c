package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.PrivilegedCondition;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class CgroupRootTest {
    static final Cgroup2Mount MOUNT = new Cgroup2Mount(Path.of("/sys/fs/cgroup"), CgroupPath.ROOT,
            Cgroup2Mount.Layout.UNIFIED, Set.of("rw", "nsdelegate"));

    static CgroupRoot.Host systemd(String own) {
        return new CgroupRoot.Host(true, Optional.of("systemd"), Optional.of(CgroupPath.parse(own)), true);
    }

    static CgroupRoot.Host plain(String own) {
        return new CgroupRoot.Host(false, Optional.of("tini"), Optional.of(CgroupPath.parse(own)), false);
    }

    @Test
    void withoutSystemdTheRootIsATollgateChildOfTheCgroup2Root() {
        CgroupRoot r = CgroupRoot.choose(MOUNT, plain("/"), Optional.empty());
        assertThat(r.placement()).isEqualTo(CgroupRoot.Placement.STANDALONE);
        assertThat(r.cgroup().directory()).isEqualTo(Path.of("/sys/fs/cgroup/tollgate"));
        assertThat(r.daemonLeaf()).isEmpty();
        assertThat(r.reason()).contains("PID 1 is not systemd").contains("/proc/1/comm is tini");
        assertThat(r.slice("-.slice")).isEqualTo(r.cgroup());
        assertThat(r.unit("web.service", "shop-front.slice").directory())
                .isEqualTo(Path.of("/sys/fs/cgroup/tollgate/shop.slice/shop-front.slice/web.service"));
    }

    @Test
    void underSystemdTheRootIsTheDaemonsOwnCgroupWithALeafForTheDaemon() {
        CgroupRoot r = CgroupRoot.choose(MOUNT, systemd("/system.slice/tollgated.service"), Optional.empty());
        assertThat(r.placement()).isEqualTo(CgroupRoot.Placement.SYSTEMD_DELEGATED);
        assertThat(r.cgroup().path()).isEqualTo(CgroupPath.parse("/system.slice/tollgated.service"));
        assertThat(r.daemonLeaf().orElseThrow().path()).isEqualTo(CgroupPath.parse("/system.slice/tollgated.service/tollgated"));
        assertThat(r.reason()).contains("systemd is PID 1").contains("delegated by systemd");
        assertThat(r.unit("foo.service", "system.slice").path())
                .isEqualTo(CgroupPath.parse("/system.slice/tollgated.service/system.slice/foo.service"));

        // Restarted after it had moved itself: same root.
        CgroupRoot again = CgroupRoot.choose(MOUNT, systemd("/system.slice/tollgated.service/tollgated"), Optional.empty());
        assertThat(again).isEqualTo(r);
    }

    @Test
    void systemdNeedsBothSigns() {
        CgroupRoot.Host runOnly = new CgroupRoot.Host(true, Optional.of("init"), Optional.of(CgroupPath.ROOT), false);
        CgroupRoot.Host commOnly = new CgroupRoot.Host(false, Optional.of("systemd"), Optional.of(CgroupPath.ROOT), false);
        assertThat(runOnly.systemdIsPid1()).isFalse();
        assertThat(commOnly.systemdIsPid1()).isFalse();
        assertThat(CgroupRoot.choose(MOUNT, runOnly, Optional.empty()).placement()).isEqualTo(CgroupRoot.Placement.STANDALONE);
        assertThat(systemd("/x.service").systemdIsPid1()).isTrue();
    }

    @Test
    void underSystemdTheRootCgroupIsRefused() {
        assertThatThrownBy(() -> CgroupRoot.choose(MOUNT, systemd("/"), Optional.empty()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Delegate=yes");
    }

    @Test
    void aServiceWithoutTheDelegateMarkIsWarnedAbout() {
        CgroupRoot.Host h = new CgroupRoot.Host(true, Optional.of("systemd"),
                Optional.of(CgroupPath.parse("/system.slice/tollgated.service")), false);
        assertThat(CgroupRoot.choose(MOUNT, h, Optional.empty()).reason()).contains("does the service have Delegate=yes?");
    }

    @Test
    void aConfiguredRootWins() {
        CgroupRoot r = CgroupRoot.choose(MOUNT, systemd("/system.slice/tollgated.service"), Optional.of(CgroupPath.parse("/managed")));
        assertThat(r.placement()).isEqualTo(CgroupRoot.Placement.CONFIGURED);
        assertThat(r.cgroup().path()).isEqualTo(CgroupPath.of("managed"));
        assertThat(r.daemonLeaf()).isEmpty();
        // A configured root that is where the daemon runs gets a leaf for it.
        CgroupRoot self = CgroupRoot.choose(MOUNT, plain("/managed"), Optional.of(CgroupPath.parse("/managed")));
        assertThat(self.daemonLeaf().orElseThrow().path()).isEqualTo(CgroupPath.parse("/managed/tollgated"));
    }

    @Test
    void runningInsideTheManagedTreeIsRefused() {
        assertThatThrownBy(() -> CgroupRoot.choose(MOUNT, plain("/tollgate/system.slice/foo.service"), Optional.empty()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("inside the tree it would manage");
    }

    @Test
    void theLeafMustBeAChildOfTheRoot() {
        Cgroup root = MOUNT.cgroup(CgroupPath.of("a"));
        assertThatThrownBy(() -> new CgroupRoot(root, Optional.of(MOUNT.cgroup(CgroupPath.of("b", "c"))),
                CgroupRoot.Placement.CONFIGURED, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void detectsThisHost() throws Exception {
        assumeTrue(PrivilegedCondition.Host.cgroup2Mount().isPresent(), "no cgroup2 on this host");
        Cgroup2Mount mount = Cgroup2Mount.current();
        CgroupRoot.Host host = CgroupRoot.Host.probe(mount);
        assertThat(host.ownCgroup()).isPresent();
        if (!host.systemdIsPid1()) {
            CgroupRoot r = CgroupRoot.detect(mount, Optional.empty());
            assertThat(r.cgroup()).isEqualTo(mount.cgroup(CgroupPath.of("tollgate")));
        }
    }

    @Nested
    @Privileged
    class Prepared {
        @Test
        void prepareCreatesTheRootAndMovesItsProcessesIntoTheLeaf() throws Exception {
            try (ScratchRoot scratch = ScratchRoot.create()) {
                Cgroup root = scratch.root.child("svc.service").create();
                // Stand-ins for the daemon: processes directly in the root.
                Process p1 = scratch.sleepIn(root);
                Process p2 = scratch.sleepIn(root);
                CgroupRoot r = new CgroupRoot(root, Optional.of(root.child(CgroupRoot.DAEMON_LEAF)),
                        CgroupRoot.Placement.SYSTEMD_DELEGATED, "test");
                r.prepare();
                assertThat(root.processes()).isEmpty();
                assertThat(r.daemonLeaf().orElseThrow().processes()).containsExactlyInAnyOrder(p1.pid(), p2.pid());
                r.prepare(); // idempotent
                assertThat(r.daemonLeaf().orElseThrow().processes()).hasSize(2);

                CgroupRoot fresh = new CgroupRoot(scratch.root.resolve(CgroupPath.parse("deep/er")), Optional.empty(),
                        CgroupRoot.Placement.CONFIGURED, "test").prepare();
                assertThat(fresh.cgroup().exists()).isTrue();
                assertThat(fresh.slice("a-b.slice").create().directory()).isDirectory();
            }
        }
    }
}
