package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tollgate.libc.Errno;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@Privileged
class CgroupTreeTest {
    ScratchRoot scratch;

    @BeforeEach
    void setUp() throws Exception {
        scratch = ScratchRoot.create();
    }

    @AfterEach
    void tearDown() throws Exception {
        scratch.close();
        assertThat(scratch.root.exists()).isFalse();
    }

    @Test
    void buildsTheSliceAndServiceTreeFromUnitNames() throws Exception {
        Cgroup root = scratch.root;
        Cgroup web = root.resolve(CgroupPath.ofUnit("web.service", "shop-front.slice")).create();
        Cgroup db = root.resolve(CgroupPath.ofUnit("db.service", "shop.slice")).create();
        Cgroup sys = root.resolve(CgroupPath.ofUnit("cgroup.service")).create();

        assertThat(root.directory().resolve("shop.slice/shop-front.slice/web.service")).isDirectory();
        assertThat(root.directory().resolve("shop.slice/db.service")).isDirectory();
        assertThat(root.directory().resolve("system.slice/_cgroup.service")).isDirectory();
        assertThat(web.parent().orElseThrow().path().name()).isEqualTo("shop-front.slice");
        assertThat(db.create()).isEqualTo(db); // idempotent
        assertThat(root.resolve(CgroupPath.ofSlice("-.slice"))).isEqualTo(root);

        assertThat(root.subtree()).extracting(c -> c.path().relativeTo(root.path()).orElseThrow().toString())
                .containsExactlyInAnyOrder("/", "/shop.slice", "/shop.slice/shop-front.slice",
                        "/shop.slice/shop-front.slice/web.service", "/shop.slice/db.service",
                        "/system.slice", "/system.slice/_cgroup.service");
        assertThat(root.children()).extracting(c -> c.path().name()).containsExactlyInAnyOrder("shop.slice", "system.slice");

        Cgroup shop = root.resolve(CgroupPath.ofSlice("shop.slice"));
        assertThat(shop.remove()).isTrue();
        assertThat(shop.exists()).isFalse();
        assertThat(web.exists()).isFalse();
        assertThat(sys.exists()).isTrue();
        assertThat(shop.remove()).isFalse();
    }

    @Test
    void cgroupIdIsTheDirectoryInodeAsStatSays() throws Exception {
        Cgroup a = scratch.root.child("a.slice").create();
        Process stat = new ProcessBuilder("stat", "-c", "%i", a.directory().toString()).start();
        String out = new String(stat.getInputStream().readAllBytes()).trim();
        assertThat(stat.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(a.id()).isEqualTo(Long.parseLong(out));
        assertThat(a.id()).isNotEqualTo(scratch.root.id());
        assertThat(scratch.mount.rootCgroup().id()).isEqualTo(1L); // the root cgroup's id is 1
    }

    @Test
    void removingAPopulatedCgroupFailsNamingTheProcesses() throws Exception {
        Cgroup svc = scratch.root.resolve(CgroupPath.ofUnit("busy.service")).create();
        Process p = scratch.sleepIn(svc);
        Cgroup slice = svc.parent().orElseThrow();

        assertThatThrownBy(slice::remove)
                .isInstanceOfSatisfying(CgroupException.class, e -> {
                    assertThat(e.is(Errno.EBUSY)).isTrue();
                    assertThat(e.path()).isEqualTo(svc.directory());
                    assertThat(e.operation()).isEqualTo("remove cgroup");
                })
                .hasMessageContaining("EBUSY")
                .hasMessageContaining("[" + p.pid() + "]")
                .hasMessageContaining("kill them first");
        assertThat(svc.exists()).isTrue();

        svc.kill();
        assertThat(slice.remove()).isTrue();
    }

    @Test
    void theMountRootCannotBeRemoved() {
        assertThatThrownBy(() -> scratch.mount.rootCgroup().remove()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailedCreateNamesPathAndErrno() {
        Cgroup impossible = new Cgroup(java.nio.file.Path.of("/proc/self"), CgroupPath.of("nope"));
        assertThatThrownBy(impossible::create)
                .isInstanceOfSatisfying(CgroupException.class, e -> assertThat(e.errno()).isPresent())
                .hasMessageStartingWith("create cgroup /proc/self/nope: E");
    }

    @Test
    void controllersAreReadAndUnavailableOnesAreRefusedClearly() throws Exception {
        Cgroup a = scratch.root.child("a.slice").create();
        Set<String> atRoot = scratch.mount.controllers();
        assertThat(a.controllers()).isSubsetOf(atRoot);
        assertThat(a.subtreeControl()).isEmpty();

        assertThatThrownBy(() -> a.enableControllers(List.of("no_such_controller")))
                .isInstanceOfSatisfying(CgroupException.class, e -> assertThat(e.is(Errno.EINVAL)).isTrue())
                .hasMessageStartingWith("enable controllers +no_such_controller in " + a.file("cgroup.subtree_control"));

        Set<String> notHere = new HashSet<>(atRoot);
        notHere.removeAll(a.controllers());
        if (!notHere.isEmpty()) {
            String c = notHere.iterator().next();
            assertThatThrownBy(() -> a.enableControllers(List.of(c)))
                    .isInstanceOfSatisfying(CgroupException.class, e -> assertThat(e.is(Errno.ENOENT)).isTrue())
                    .hasMessageContaining("not all of them are available here");
        }
    }

    @Test
    void aCgroupWithControllersForItsChildrenTakesNoProcesses() throws Exception {
        Set<String> available = scratch.root.controllers();
        assumeTrue(!available.isEmpty(), "the cgroup2 root delegates no controllers on this host");
        String c = available.iterator().next();
        Cgroup parent = scratch.root.child("p.slice").create();
        parent.enableControllers(List.of(c));
        assertThat(parent.subtreeControl()).contains(c);
        Cgroup leaf = parent.child("leaf.service").create();
        assertThat(leaf.controllers()).contains(c);

        Process p = scratch.start("sleep", "300");
        assertThatThrownBy(() -> parent.moveIn(p.pid()))
                .isInstanceOfSatisfying(CgroupException.class, e -> assertThat(e.is(Errno.EBUSY)).isTrue())
                .hasMessageContaining("use a leaf cgroup");
        leaf.moveIn(p.pid());
        assertThatThrownBy(() -> leaf.enableControllers(List.of(c)))
                .isInstanceOfSatisfying(CgroupException.class, e -> assertThat(e.is(Errno.EBUSY)).isTrue());
        leaf.kill();
        parent.disableControllers(List.of(c));
        assertThat(parent.subtreeControl()).doesNotContain(c);
    }

    @Test
    void theRootHasNoEventsFileAndSaysSo() {
        assertThat(Files.exists(scratch.mount.rootCgroup().file("cgroup.events"))).isFalse();
        assertThatThrownBy(() -> scratch.mount.rootCgroup().events())
                .isInstanceOfSatisfying(CgroupException.class, e -> assertThat(e.is(Errno.ENOENT)).isTrue())
                .hasMessageContaining("root cgroup");
    }
}
