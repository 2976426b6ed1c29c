package dev.tollgate.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.libc.Errno;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kernel's attach rules (KERNEL.md), seen through our gateway's errors. */
@Privileged
class CgroupAttachErrorsTest {
    private static final AttachType INGRESS = AttachType.CGROUP_INET_INGRESS;
    private ScratchCgroup scratch;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() {
        scratch = ScratchCgroup.create("attach");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        scratch.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private BpfProgram pass(String name) {
        return keep(TestPrograms.verdict(name, 1));
    }

    private CgroupHandle cgroup(String rel) {
        return keep(CgroupHandle.open(scratch.child(rel)));
    }

    @Test
    void attachBelowAFlagsZeroProgramIsEpermWithTheReason() {
        CgroupHandle parent = cgroup("p");
        CgroupHandle child = cgroup("p/c");
        CgroupPrograms.attach(parent, pass("tg_t_single"), INGRESS, AttachFlags.NONE);
        BpfProgram mine = pass("tg_t_below");
        assertThatThrownBy(() -> CgroupPrograms.attach(child, mine, INGRESS, AttachFlags.ALLOW_MULTI))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.command()).isEqualTo(BpfCommand.BPF_PROG_ATTACH);
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                    assertThat(e.getMessage()).contains("EPERM (1", "without BPF_F_ALLOW_MULTI", "tg_t_below");
                });
        assertThatThrownBy(() -> BpfLink.createCgroup(child, mine, INGRESS))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.command()).isEqualTo(BpfCommand.BPF_LINK_CREATE);
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                });
    }

    @Test
    void mixingModesAtOneLevelIsEperm() {
        CgroupHandle cg = cgroup("mix");
        CgroupPrograms.attach(cg, pass("tg_t_multi"), INGRESS, AttachFlags.ALLOW_MULTI);
        assertThatThrownBy(() -> CgroupPrograms.attach(cg, pass("tg_t_none"), INGRESS, AttachFlags.NONE))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
    }

    @Test
    void replaceWithoutMultiIsEinval() {
        CgroupHandle cg = cgroup("r");
        BpfProgram a = pass("tg_t_a");
        CgroupPrograms.attach(cg, a, INGRESS, AttachFlags.NONE);
        assertThatThrownBy(() -> CgroupPrograms.attach(cg, pass("tg_t_b"), INGRESS, AttachFlags.REPLACE, a))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("EINVAL (22", "BPF_F_REPLACE without BPF_F_ALLOW_MULTI");
                });
    }

    @Test
    void replacingAProgramThatIsNotAttachedIsEnoent() {
        CgroupHandle cg = cgroup("n");
        CgroupPrograms.attach(cg, pass("tg_t_a"), INGRESS, AttachFlags.ALLOW_MULTI);
        BpfProgram absent = pass("tg_t_absent");
        assertThatThrownBy(() -> CgroupPrograms.attach(cg, pass("tg_t_b"), INGRESS,
                AttachFlags.ALLOW_MULTI | AttachFlags.REPLACE, absent))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("not attached there");
                });
        assertThatThrownBy(() -> CgroupPrograms.detach(cg, absent, INGRESS))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }

    @Test
    void sameProgramTwiceInMultiIsEinval() {
        CgroupHandle cg = cgroup("twice");
        BpfProgram a = pass("tg_t_a");
        CgroupPrograms.attach(cg, a, INGRESS, AttachFlags.ALLOW_MULTI);
        assertThatThrownBy(() -> CgroupPrograms.attach(cg, a, INGRESS, AttachFlags.ALLOW_MULTI))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void the65thProgramIsE2big() {
        CgroupHandle cg = cgroup("full");
        for (int i = 0; i < 64; i++) CgroupPrograms.attach(cg, pass("tg_t_" + i), INGRESS, AttachFlags.ALLOW_MULTI);
        assertThatThrownBy(() -> CgroupPrograms.attach(cg, pass("tg_t_65"), INGRESS, AttachFlags.ALLOW_MULTI))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.E2BIG);
                    assertThat(e.getMessage()).contains("64 programs");
                });
        assertThat(CgroupPrograms.query(cg, INGRESS, false).programIds()).hasSize(64);
    }

    @Test
    void queryReportsFlagsIdsRevisionAndEnospc() {
        CgroupHandle parent = cgroup("q");
        CgroupHandle child = cgroup("q/c");
        BpfProgram a = pass("tg_t_a");
        BpfProgram b = pass("tg_t_b");
        BpfProgram c = pass("tg_t_c");
        CgroupPrograms.attach(parent, a, INGRESS, AttachFlags.ALLOW_MULTI);
        CgroupPrograms.attach(child, b, INGRESS, AttachFlags.ALLOW_MULTI);
        CgroupPrograms.attach(child, c, INGRESS, AttachFlags.ALLOW_MULTI);

        CgroupPrograms.Query own = CgroupPrograms.query(child, INGRESS, false);
        assertThat(own.attachFlags()).isEqualTo(AttachFlags.ALLOW_MULTI);
        assertThat(own.programIds()).containsExactly(b.id(), c.id());
        assertThat(own.programAttachFlags()).containsOnly(AttachFlags.ALLOW_MULTI);
        assertThat(own.revision()).isPresent();

        // Effective: the cgroup's own programs first, then the ancestors'.
        assertThat(CgroupPrograms.query(child, INGRESS, true).programIds()).containsExactly(b.id(), c.id(), a.id());

        assertThatThrownBy(() -> CgroupPrograms.query(child, INGRESS, false, 1))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
                    assertThat(e.getMessage()).contains("BPF_PROG_QUERY", "ENOSPC");
                });

        long before = own.revision().getAsLong();
        CgroupPrograms.detach(child, c, INGRESS);
        assertThat(CgroupPrograms.query(child, INGRESS, false).revision().getAsLong()).isGreaterThan(before);
    }

    @Test
    void linksUpdateAndDetachAndDieWithTheirCgroup() throws Exception {
        Path dir = scratch.child("l");
        BpfProgram a = pass("tg_t_a");
        BpfProgram b = pass("tg_t_b");
        BpfLink link;
        try (CgroupHandle cg = CgroupHandle.open(dir)) {
            link = keep(BpfLink.createCgroup(cg, a, INGRESS));
            LinkInfo info = link.info();
            assertThat(info.isCgroup()).isTrue();
            assertThat(info.cgroupId()).isEqualTo(cg.id());
            assertThat(info.attachType()).isEqualTo(INGRESS.value);
            assertThat(ObjectIds.links()).contains(info.id());
            // A link's program cannot be detached through BPF_PROG_DETACH.
            assertThatThrownBy(() -> CgroupPrograms.detach(cg, a, INGRESS)).isInstanceOf(BpfException.class);
            // Update with the wrong expected program is refused; with the right one it swaps.
            assertThatThrownBy(() -> link.update(b, b))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
            link.update(b, a);
            assertThat(link.info().programId()).isEqualTo(b.id());
            assertThat(CgroupPrograms.query(cg, INGRESS, false).programIds()).containsExactly(b.id());
        }
        Files.delete(dir);
        // The kernel releases a removed cgroup's BPF state from a workqueue: wait for it.
        int[] tries = {0};
        Await.until("the link of the removed cgroup to become defunct", () -> {
            try {
                link.update(tries[0]++ % 2 == 0 ? a : b, null);
                return false;
            } catch (BpfException defunct) {
                return true;
            }
        });
        assertThatThrownBy(() -> link.update(a, null))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOLINK);
                    assertThat(e.getMessage()).contains("cgroup has been removed");
                });
    }
}
