package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@Privileged(commands = "stat")
class CgroupDelegationTest {
    static final int NOBODY = 65534;

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
    void delegatesTheDirectoryAndTheFilesTheKernelLists() throws Exception {
        Cgroup svc = scratch.root.resolve(CgroupPath.ofUnit("delegated.service")).create();
        Cgroup existingChild = svc.child("payload").create();
        svc.delegateTo(NOBODY, NOBODY);

        assertThat(uid(svc.directory())).isEqualTo(NOBODY);
        assertThat(gid(svc.directory())).isEqualTo(NOBODY);
        assertThat(Files.getOwner(svc.directory()).getName()).isIn("nobody", Integer.toString(NOBODY));
        assertThat(statOwner(svc.directory())).isEqualTo(NOBODY + ":" + NOBODY);
        assertThat(svc.isMarkedDelegated()).isTrue(); // user.delegate=1, as systemd sets it
        assertThat(svc.parent().orElseThrow().isMarkedDelegated()).isFalse();

        List<String> listed = Cgroup.delegateFiles(Cgroup.KERNEL_DELEGATE_LIST);
        assertThat(listed).contains("cgroup.procs", "cgroup.subtree_control");
        for (String f : listed) {
            Path p = svc.file(f);
            if (Files.exists(p)) {
                assertThat(uid(p)).as(f).isEqualTo(NOBODY);
                assertThat(statOwner(p)).as(f).isEqualTo(NOBODY + ":" + NOBODY);
            }
        }
        // The files that set what the parent grants stay root's.
        for (String f : List.of("cgroup.max.depth", "cgroup.max.descendants", "cgroup.type", "cgroup.freeze")) {
            if (!listed.contains(f) && Files.exists(svc.file(f))) {
                assertThat(uid(svc.file(f))).as(f).isZero();
            }
        }
        // The parent slice is not delegated.
        assertThat(uid(svc.parent().orElseThrow().directory())).isZero();
        // An existing descendant is the delegatee's entirely.
        assertThat(uid(existingChild.directory())).isEqualTo(NOBODY);
        try (var files = Files.list(existingChild.directory())) {
            for (Path p : files.toList()) assertThat(uid(p)).as(p.toString()).isEqualTo(NOBODY);
        }
    }

    @Test
    void withoutTheKernelListTheClassicThreeFilesAreDelegated() throws Exception {
        Cgroup svc = scratch.root.child("old-kernel.service").create();
        svc.delegateTo(1234, 4321, Cgroup.delegateFiles(scratch.root.directory().resolve("no-such-list")));
        for (String f : List.of("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")) {
            assertThat(uid(svc.file(f))).as(f).isEqualTo(1234);
            assertThat(gid(svc.file(f))).as(f).isEqualTo(4321);
        }
        assertThat(uid(svc.file("cgroup.events"))).isZero();
        assertThat(uid(svc.directory())).isEqualTo(1234);
    }

    static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    static int gid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    static String statOwner(Path p) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%u:%g", p.toString()).start();
        String out = new String(stat.getInputStream().readAllBytes()).trim();
        assertThat(stat.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
