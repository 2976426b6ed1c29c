package dev.tollgate.cgroup;

import static dev.tollgate.cgroup.CgroupProcessesTest.awaitCount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Privileged
class CgroupKillTest {
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

    @ParameterizedTest
    @EnumSource(KillMethod.class)
    void killsEveryProcessOfTheSubtree(KillMethod method) throws Exception {
        Cgroup slice = scratch.root.resolve(CgroupPath.ofSlice("app.slice")).create();
        Cgroup svc = slice.child("svc.service").create();
        Cgroup sub = svc.child("worker").create();
        Process a = scratch.sleepIn(slice.child("other.service").create());
        Process b = scratch.sleepIn(svc);
        Process c = scratch.shellIn(sub, "sleep 300 & sleep 300 & wait");
        awaitCount(slice, 5);

        slice.kill(method, Await.SAFETY_NET);

        assertThat(slice.subtreeProcesses()).isEmpty();
        assertThat(slice.isPopulated()).isFalse();
        for (Process p : new Process[] {a, b, c}) {
            assertThat(p.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        assertThat(slice.events().frozen()).isFalse();
        assertThat(slice.remove()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = KillMethod.class, names = {"CGROUP_KILL", "FREEZE_AND_SIGNAL"})
    void killsAProcessThatKeepsForking(KillMethod method) throws Exception {
        Cgroup svc = scratch.root.child("forker.service").create();
        scratch.shellIn(svc, "while :; do sleep 300 & sleep 0.005; done");
        awaitCount(svc, 10);
        svc.kill(method, Await.SAFETY_NET);
        assertThat(svc.subtreeProcesses()).isEmpty();
        assertThat(svc.isPopulated()).isFalse();
    }

    @Test
    void theFallbackWorksWithoutAFreezerToo() throws Exception {
        Cgroup svc = scratch.root.child("nofreeze.service").create();
        scratch.shellIn(svc, "while :; do sleep 300 & sleep 0.005; done");
        awaitCount(svc, 10);
        svc.kill(KillMethod.FREEZE_AND_SIGNAL, Await.SAFETY_NET, false);
        assertThat(svc.subtreeProcesses()).isEmpty();
        assertThat(svc.isPopulated()).isFalse();
        assertThat(Files.readString(svc.file("cgroup.freeze")).trim()).isEqualTo("0");
    }

    @Test
    void theFallbackLeavesAFrozenCgroupFrozenAndAThawedOneThawed() throws Exception {
        Cgroup svc = scratch.root.child("frozen.service").create();
        scratch.sleepIn(svc);
        svc.setFrozen(true);
        svc.kill(KillMethod.FREEZE_AND_SIGNAL, Await.SAFETY_NET);
        assertThat(svc.subtreeProcesses()).isEmpty();
        assertThat(Files.readString(svc.file("cgroup.freeze")).trim()).isEqualTo("1");
        svc.setFrozen(false);
    }

    @Test
    void killingAnEmptyCgroupIsANoOp() throws Exception {
        Cgroup svc = scratch.root.child("empty.service").create();
        for (KillMethod m : KillMethod.values()) svc.kill(m, Duration.ofSeconds(1));
        svc.kill();
        assertThat(svc.exists()).isTrue();
    }

    @Test
    void cgroupKillOnTheRootIsRefusedWithAReason() throws Exception {
        assertThat(scratch.mount.rootCgroup().hasKillFile()).isFalse();
        // The JVM's own cgroup holds the JVM: cgroup.kill there must be refused. Only tried where
        // a bug could do no harm (no cgroup.kill file, as in the root cgroup).
        Cgroup own = scratch.mount.ownCgroup();
        assumeTrue(!own.hasKillFile(), "the JVM's cgroup has a cgroup.kill file; not risking it");
        assertThatThrownBy(() -> own.kill(KillMethod.CGROUP_KILL, Duration.ofSeconds(1)))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("holds this process");
    }

    @Test
    void sendsAnySignalToEveryProcess() throws Exception {
        Cgroup svc = scratch.root.child("sig.service").create();
        Process p1 = scratch.sleepIn(svc);
        Process p2 = scratch.sleepIn(svc.child("sub").create());

        assertThat(svc.signal(Signals.SIGSTOP)).containsExactlyInAnyOrder(p1.pid(), p2.pid());
        awaitState(p1.pid(), 'T');
        awaitState(p2.pid(), 'T');

        // SIGTERM stays pending in a stopped process ...
        svc.signal(Signals.SIGTERM);
        awaitPending(p1.pid(), Signals.SIGTERM);
        assertThat(p1.isAlive()).isTrue();
        assertThat(state(p1.pid())).isEqualTo('T');
        // ... unless SIGCONT follows, as for KillSignal= (systemd sends SIGCONT after it too).
        Set<Long> sent = svc.signal(Signals.SIGTERM, true);
        assertThat(sent).containsExactlyInAnyOrder(p1.pid(), p2.pid());
        assertThat(p1.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p2.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p1.exitValue()).isEqualTo(128 + Signals.SIGTERM);
        assertThat(svc.signal(Signals.SIGTERM)).isEmpty();
    }

    @Test
    void signalsReachEveryProcessEvenWhenOneIgnoresIt() throws Exception {
        Cgroup svc = scratch.root.child("hup.service").create();
        // A shell that ignores SIGHUP and its children, which do not.
        scratch.shellIn(svc, "trap '' HUP; sleep 300 & sleep 300 & wait");
        awaitCount(svc, 3);
        Set<Long> sent = svc.signal(Signals.SIGHUP);
        assertThat(sent).hasSize(3);
        assertThat(svc.awaitEmpty(Duration.ofMillis(300))).isFalse(); // the shell ignores HUP
        svc.kill();
    }

    @Test
    void invalidSignalNumbersAreRejected() throws Exception {
        Cgroup svc = scratch.root.child("x.service").create();
        assertThatThrownBy(() -> svc.signal(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> svc.signal(65)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Signals.byName("SIGTERM")).contains(15);
        assertThat(Signals.byName("hup")).contains(1);
        assertThat(Signals.byName("SIGFOO")).isEmpty();
        assertThat(Signals.name(9)).isEqualTo("SIGKILL");
        assertThat(Signals.name(40)).isEqualTo("signal 40");
    }

    static char state(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    static void awaitState(long pid, char want) throws Exception {
        Await.until("pid " + pid + " to reach state " + want, () -> state(pid) == want);
    }

    /** Waits until {@code signal} is pending for the process (ShdPnd of /proc/PID/status: sent to the process, not yet taken). */
    static void awaitPending(long pid, int signal) throws Exception {
        Await.until("signal " + signal + " pending for pid " + pid, () -> {
            String line = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("ShdPnd:")).findFirst().orElseThrow();
            return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << (signal - 1))) != 0;
        });
    }
}
