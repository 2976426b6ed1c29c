package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.libc.Errno;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@Privileged
class CgroupProcessesTest {
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
    void movesProcessesAndListsThem() throws Exception {
        Cgroup a = scratch.root.resolve(CgroupPath.ofUnit("a.service")).create();
        Cgroup b = scratch.root.resolve(CgroupPath.ofUnit("b.service")).create();
        Process p1 = scratch.sleepIn(a);
        Process p2 = scratch.sleepIn(a);

        assertThat(a.processes()).containsExactlyInAnyOrder(p1.pid(), p2.pid());
        assertThat(b.processes()).isEmpty();
        assertThat(Cgroup2Mount.cgroupOfProcess(p1.pid())).isEqualTo(a.path());
        assertThat(Files.readString(Path.of("/proc/" + p1.pid() + "/cgroup"))).contains("0::" + a.path() + "\n");

        b.moveIn(p2.toHandle());
        assertThat(a.processes()).containsExactly(p1.pid());
        assertThat(b.processes()).containsExactly(p2.pid());
        assertThat(scratch.root.subtreeProcesses()).containsExactlyInAnyOrder(p1.pid(), p2.pid());
        assertThat(scratch.root.processes()).isEmpty();
        assertThat(a.events()).isEqualTo(new CgroupEvents(true, false));
        assertThat(scratch.root.isPopulated()).isTrue();
    }

    @Test
    void childrenForkedInsideStayInside() throws Exception {
        Cgroup a = scratch.root.child("fork.service").create();
        Process sh = scratch.shellIn(a, "sleep 300 & sleep 300 & wait");
        awaitCount(a, 3);
        assertThat(a.processes()).contains(sh.pid()).hasSize(3);
    }

    @Test
    void movingAProcessThatDoesNotExistSaysSo() throws Exception {
        Cgroup a = scratch.root.child("a.service").create();
        Process gone = scratch.start("true");
        assertThat(gone.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> a.moveIn(gone.pid()))
                .isInstanceOfSatisfying(CgroupException.class, e -> {
                    assertThat(e.is(Errno.ESRCH)).isTrue();
                    assertThat(e.path()).isEqualTo(a.file("cgroup.procs"));
                })
                .hasMessage("move pid " + gone.pid() + " into " + a.file("cgroup.procs")
                        + ": ESRCH (3, No such process): there is no process " + gone.pid());
    }

    @Test
    void movingIntoARemovedCgroupSaysSo() throws Exception {
        Cgroup a = scratch.root.child("a.service").create();
        a.remove();
        Process p = scratch.start("sleep", "300");
        assertThatThrownBy(() -> a.moveIn(p.pid()))
                .isInstanceOfSatisfying(CgroupException.class, e -> assertThat(e.is(Errno.ENOENT)).isTrue())
                .hasMessageContaining("cgroup was removed");
    }

    @Test
    void awaitEmptyReturnsWhenTheLastProcessExits() throws Exception {
        Cgroup a = scratch.root.child("a.service").create();
        // cat lives until its stdin closes: it is in the cgroup before it can exit.
        Process p = scratch.start("cat");
        a.moveIn(p.pid());
        assertThat(a.isPopulated()).isTrue();
        // With an hour to wait, only the exit's notification can end the wait within the safety net.
        try (ExecutorService waiter = Executors.newSingleThreadExecutor()) {
            Future<Boolean> empty = waiter.submit(() -> a.awaitEmpty(Duration.ofHours(1)));
            p.getOutputStream().close();
            assertThat(empty.get(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        assertThat(a.isPopulated()).isFalse();
        Cgroup b = scratch.root.child("b.service").create();
        scratch.sleepIn(b);
        assertThat(b.awaitEmpty(Duration.ofMillis(200))).isFalse();
    }

    static void awaitCount(Cgroup c, int n) throws Exception {
        Await.until(c + " to reach " + n + " processes", () -> c.subtreeProcesses().size() >= n);
    }
}
