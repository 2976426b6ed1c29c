package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.UnitInfo;
import dev.tollgate.cgroup.Signals;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The service state machine on fakes: each transition of {@link ServiceState}, the results of
 * {@link ServiceResult}, stop escalation and timeouts on a clock the test moves, and a failure
 * in the middle of each start step. No root, no processes, no sleeping.
 */
class ServiceLifecycleTest {
    private final Harness h = new Harness();

    @AfterEach
    void cleanUp() throws Exception {
        h.close();
    }

    @Test
    void simpleServiceStartsRunsAndStopsOnSigterm() {
        h.service("a.service", "ExecStart=/bin/main --serve");
        UnitInfo s = h.start("a.service");
        assertThat(h.state("a.service")).isEqualTo("active/running/success");
        Fakes.FakeProcess main = h.launcher.last("/bin/main");
        assertThat(s.mainPID()).isEqualTo((int) main.pid);
        assertThat(s.execMainPID()).isEqualTo((int) main.pid);
        assertThat(s.pids()).containsExactly((int) main.pid);
        assertThat(s.controlGroup()).isEqualTo("/system.slice/a.service");
        assertThat(h.launcher.launched.getFirst().argv()).containsExactly("/bin/main", "--serve");
        assertThat(h.launcher.launched.getFirst().environment()).containsKeys("PATH", "INVOCATION_ID");

        assertThat(h.stop("a.service").mainPID()).isNull();
        assertThat(h.state("a.service")).isEqualTo("inactive/dead/success");
        assertThat(main.signals).startsWith(Signals.SIGTERM);
        assertThat(h.cgroups.removed).contains("a.service");
        assertThat(h.cgroups.existing).doesNotContain(h.cgroup("a.service"));
    }

    @Test
    void startOfARunningUnitAndStopOfADeadOneAreNoOps() {
        h.service("a.service", "ExecStart=/bin/main");
        h.start("a.service");
        h.start("a.service");
        assertThat(h.launcher.count("/bin/main")).isEqualTo(1);
        h.stop("a.service");
        h.stop("a.service");
        assertThat(h.state("a.service")).isEqualTo("inactive/dead/success");
    }

    @Test
    void aStopThatTimesOutEscalatesToSigkillAndFailsWithTimeout() {
        h.service("stubborn.service", "ExecStart=/bin/stubborn", "TimeoutStopSec=5");
        h.launcher.scripts.put("/bin/stubborn", new Fakes.Script.Runs(Fakes.Nature.IGNORES_TERM));
        h.start("stubborn.service");
        Fakes.FakeProcess p = h.launcher.last("/bin/stubborn");
        CompletableFuture<?> stop = h.manager().stopAsync("stubborn.service");
        h.advance(Duration.ofMillis(4999));
        assertThat(stop).as("no SIGKILL before TimeoutStopSec=").isNotDone();
        assertThat(h.state("stubborn.service")).isEqualTo("deactivating/stop-sigterm/success");
        assertThat(p.signals).containsExactly(Signals.SIGTERM);
        h.advance(Duration.ofMillis(1));
        h.done(stop);
        assertThat(p.signals).containsSubsequence(Signals.SIGTERM, Signals.SIGKILL);
        assertThat(p.isAlive()).isFalse();
        assertThat(h.state("stubborn.service")).isEqualTo("failed/failed/timeout");
    }

    @Test
    void aStopEndsWhenTheCgroupEmptiesNotWhenTheMainProcessExits() {
        h.service("two.service", "ExecStart=/bin/two", "TimeoutStopSec=30");
        h.start("two.service");
        Fakes.FakeProcess helper = new Fakes.FakeProcess(4242, h.cgroup("two.service"), "/bin/helper", Fakes.Nature.IGNORES_TERM, true);
        h.launcher.processes.add(helper);
        CompletableFuture<?> stop = h.manager().stopAsync("two.service");
        h.settle();
        assertThat(h.launcher.last("/bin/two").isAlive()).isFalse();
        assertThat(helper.signals).containsExactly(Signals.SIGTERM);
        assertThat(stop).as("a process is left in the cgroup").isNotDone();
        assertThat(h.state("two.service")).isEqualTo("deactivating/stop-sigterm/success");
        helper.exitWith(0);
        h.done(stop);
        assertThat(h.state("two.service")).as("ended by its cgroup emptying, not TimeoutStopSec=").isEqualTo("inactive/dead/success");
    }

    @Test
    void killModeProcessSignalsOnlyTheMainProcessAndMixedKillsTheRest() {
        h.service("p.service", "ExecStart=/bin/p", "KillMode=process");
        h.start("p.service");
        h.stop("p.service");
        assertThat(h.launcher.last("/bin/p").signals).startsWith(Signals.SIGTERM);
        assertThat(h.cgroups.signalled).noneMatch(x -> x.startsWith("p.service"));
        assertThat(h.state("p.service")).isEqualTo("inactive/dead/success");

        h.service("m.service", "ExecStart=/bin/m", "KillMode=mixed");
        h.start("m.service");
        h.stop("m.service");
        assertThat(h.state("m.service")).isEqualTo("inactive/dead/success");

        h.service("k.service", "ExecStart=/bin/k", "KillMode=process", "TimeoutStopSec=1");
        h.launcher.scripts.put("/bin/k", new Fakes.Script.Runs(Fakes.Nature.IGNORES_TERM));
        h.start("k.service");
        CompletableFuture<?> stopK = h.manager().stopAsync("k.service");
        h.settle();
        assertThat(stopK).as("KillMode=process waits for the main process").isNotDone();
        h.advance(Duration.ofSeconds(1));
        h.done(stopK);
        assertThat(h.launcher.last("/bin/k").signals).contains(Signals.SIGKILL);
        assertThat(h.state("k.service")).isEqualTo("failed/failed/timeout");

        h.service("n.service", "ExecStart=/bin/n", "KillMode=none");
        h.start("n.service");
        h.stop("n.service");
        assertThat(h.launcher.last("/bin/n").isAlive()).as("KillMode=none leaves it").isTrue();
    }

    @Test
    void mainProcessExitsGiveSystemdsResults() {
        h.service("ok.service", "ExecStart=/bin/ok");
        h.start("ok.service");
        h.launcher.last("/bin/ok").exitWith(0);
        h.settle();
        assertThat(h.state("ok.service")).isEqualTo("inactive/dead/success");

        h.service("bad.service", "ExecStart=/bin/bad");
        h.start("bad.service");
        h.launcher.last("/bin/bad").exitWith(3);
        h.settle();
        assertThat(h.state("bad.service")).isEqualTo("failed/failed/exit-code");
        assertThat(h.status("bad.service")).extracting(UnitInfo::execMainCode, UnitInfo::execMainStatus).containsExactly("exited", 3);

        h.service("killed.service", "ExecStart=/bin/killed");
        h.start("killed.service");
        h.launcher.last("/bin/killed").exitWith(128 + Signals.SIGKILL);
        h.settle();
        assertThat(h.state("killed.service")).isEqualTo("failed/failed/signal");
        assertThat(h.status("killed.service")).extracting(UnitInfo::execMainCode, UnitInfo::execMainStatus).containsExactly("killed", Signals.SIGKILL);

        h.service("termed.service", "ExecStart=/bin/termed");
        h.start("termed.service");
        h.launcher.last("/bin/termed").exitWith(128 + Signals.SIGTERM);
        h.settle();
        assertThat(h.state("termed.service")).as("SIGTERM is a clean exit").isEqualTo("inactive/dead/success");
    }

    @Test
    void remainAfterExitKeepsACleanlyExitedServiceActive() {
        h.service("r.service", "ExecStart=/bin/r", "RemainAfterExit=yes");
        h.start("r.service");
        h.launcher.last("/bin/r").exitWith(0);
        h.settle();
        assertThat(h.state("r.service")).isEqualTo("active/exited/success");
        h.stop("r.service");
        assertThat(h.state("r.service")).isEqualTo("inactive/dead/success");
    }

    @Test
    void oneshotRunsItsCommandsInOrderAndEndsDeadOrExited() {
        h.service("once.service", "Type=oneshot", "ExecStartPre=/bin/pre", "ExecStart=/bin/one", "ExecStart=/bin/two",
                "ExecStartPost=/bin/post");
        for (String c : new String[] {"/bin/pre", "/bin/one", "/bin/two", "/bin/post"}) {
            h.launcher.scripts.put(c, new Fakes.Script.Exits(0));
        }
        h.start("once.service");
        assertThat(h.launcher.launched).extracting(Spawner.Request::executable)
                .containsExactly("/bin/pre", "/bin/one", "/bin/two", "/bin/post");
        assertThat(h.state("once.service")).isEqualTo("inactive/dead/success");
        assertThat(h.status("once.service").execMainPID()).isEqualTo((int) h.launcher.last("/bin/two").pid);

        h.service("kept.service", "Type=oneshot", "RemainAfterExit=yes", "ExecStart=/bin/one");
        h.start("kept.service");
        assertThat(h.state("kept.service")).isEqualTo("active/exited/success");
    }

    @Test
    void aFailingCommandFailsTheStartUnlessPrefixedWithDash() {
        h.service("f.service", "Type=oneshot", "ExecStart=/bin/fails");
        h.launcher.scripts.put("/bin/fails", new Fakes.Script.Exits(2));
        Throwable e = h.failure(h.manager().startAsync("f.service"));
        assertThat(e).isInstanceOf(ManagerException.class).hasMessageContaining("start command /bin/fails failed with status 2");
        assertThat(((ManagerException) e).result()).contains("exit-code");
        assertThat(h.state("f.service")).isEqualTo("failed/failed/exit-code");

        h.service("g.service", "Type=oneshot", "ExecStart=-/bin/fails");
        h.start("g.service");
        assertThat(h.state("g.service")).isEqualTo("inactive/dead/success");

        h.service("pre.service", "ExecStartPre=/bin/killedpre", "ExecStart=/bin/main");
        h.launcher.scripts.put("/bin/killedpre", new Fakes.Script.Exits(128 + Signals.SIGKILL));
        h.failure(h.manager().startAsync("pre.service"));
        assertThat(h.state("pre.service")).isEqualTo("failed/failed/signal");
        assertThat(h.launcher.count("/bin/main")).as("the main process never ran").isZero();

        h.service("post.service", "ExecStart=/bin/main2", "ExecStartPost=/bin/fails");
        h.failure(h.manager().startAsync("post.service"));
        assertThat(h.state("post.service")).isEqualTo("failed/failed/exit-code");
        assertThat(h.launcher.last("/bin/main2").isAlive()).as("killed with its cgroup").isFalse();
    }

    @Test
    void aControlCommandThatHangsIsKilledAfterTimeoutStartSec() {
        h.service("slow.service", "ExecStartPre=/bin/hang", "ExecStart=/bin/main", "TimeoutStartSec=10");
        CompletableFuture<?> job = h.manager().startAsync("slow.service");
        h.settle();
        assertThat(job).isNotDone();
        assertThat(h.state("slow.service")).isEqualTo("activating/start-pre/success");
        h.advance(Duration.ofSeconds(9));
        assertThat(job).isNotDone();
        h.advance(Duration.ofSeconds(1));
        assertThat(h.failure(job)).hasMessageContaining("start-pre command /bin/hang timed out");
        assertThat(h.state("slow.service")).isEqualTo("failed/failed/timeout");
    }

    @Test
    void execStopRunsWithMainpidAndItsFailureDoesNotChangeTheResult() {
        h.service("s.service", "ExecStart=/bin/main", "ExecStop=/bin/stop1 $MAINPID", "ExecStop=/bin/stop2");
        h.launcher.scripts.put("/bin/stop1", new Fakes.Script.Exits(1));
        h.launcher.scripts.put("/bin/stop2", new Fakes.Script.Exits(0));
        h.start("s.service");
        long main = h.launcher.last("/bin/main").pid;
        h.stop("s.service");
        assertThat(h.launcher.launched.stream().filter(r -> r.executable().equals("/bin/stop1")).findFirst().orElseThrow()
                .environment()).containsEntry("MAINPID", Long.toString(main));
        assertThat(h.launcher.count("/bin/stop2")).isEqualTo(1);
        assertThat(h.state("s.service")).isEqualTo("inactive/dead/success");
    }

    @Test
    void anExecStopThatHangsIsKilledAfterTimeoutStopSec() {
        h.service("s.service", "ExecStart=/bin/main", "ExecStop=/bin/hang", "TimeoutStopSec=3");
        h.start("s.service");
        CompletableFuture<?> stop = h.manager().stopAsync("s.service");
        h.settle();
        assertThat(h.state("s.service")).isEqualTo("deactivating/stop/success");
        h.advance(Duration.ofSeconds(3));
        h.done(stop);
        assertThat(h.launcher.last("/bin/hang").signals).contains(Signals.SIGKILL);
        assertThat(h.state("s.service")).isEqualTo("inactive/dead/success");
    }

    @Test
    void notifyServiceIsActiveOnlyAfterReady() {
        h.service("n.service", "Type=notify", "ExecStart=/bin/n");
        CompletableFuture<?> job = h.manager().startAsync("n.service");
        h.settle();
        assertThat(job).isNotDone();
        assertThat(h.state("n.service")).isEqualTo("activating/start/success");
        assertThat(h.launcher.launched.getFirst().environment()).containsKey("NOTIFY_SOCKET");
        ready("n.service", "STATUS=warming up\nMAINPID=1\nREADY=1");
        h.done(job);
        assertThat(h.state("n.service")).isEqualTo("active/running/success");
        h.stop("n.service");
    }

    @Test
    void notifyServiceWithoutReadyTimesOutAndOneThatExitsEarlyBreaksTheProtocol() {
        h.service("late.service", "Type=notify", "ExecStart=/bin/late", "TimeoutStartSec=5");
        CompletableFuture<?> job = h.manager().startAsync("late.service");
        h.settle();
        h.advance(Duration.ofSeconds(5));
        assertThat(h.failure(job)).hasMessageContaining("start timed out waiting for READY=1");
        assertThat(h.state("late.service")).isEqualTo("failed/failed/timeout");

        h.service("early.service", "Type=notify", "ExecStart=/bin/early");
        CompletableFuture<?> job2 = h.manager().startAsync("early.service");
        h.settle();
        h.launcher.last("/bin/early").exitWith(0);
        assertThat(h.failure(job2)).hasMessageContaining("main process exited before READY=1, status 0");
        assertThat(h.state("early.service")).isEqualTo("failed/failed/protocol");

        h.service("crash.service", "Type=notify", "ExecStart=/bin/crash");
        CompletableFuture<?> job3 = h.manager().startAsync("crash.service");
        h.settle();
        h.launcher.last("/bin/crash").exitWith(1);
        h.failure(job3);
        assertThat(h.state("crash.service")).isEqualTo("failed/failed/exit-code");
    }

    private void ready(String unit, String message) {
        UnitRuntime[] u = new UnitRuntime[1];
        h.loop.post(() -> {
            u[0] = h.manager().units().get(dev.tollgate.units.UnitName.of(unit));
            h.manager().lifecycle().notifyMessage(u[0], u[0].run, message);
        });
        h.settle();
    }

    @Test
    void spawnFailuresFailTheStart() {
        h.service("throws.service", "ExecStart=/bin/x");
        h.launcher.scripts.put("/bin/x", new Fakes.Script.SpawnThrows("fork: out of memory"));
        assertThat(h.failure(h.manager().startAsync("throws.service"))).hasMessageContaining("cannot run /bin/x: fork: out of memory");
        assertThat(h.state("throws.service")).isEqualTo("failed/failed/resources");

        h.service("chdir.service", "ExecStart=/bin/y");
        h.launcher.scripts.put("/bin/y", new Fakes.Script.FailsBeforeExec(Spawner.EXIT_CHDIR, "Changing to the requested working directory failed"));
        assertThat(h.failure(h.manager().startAsync("chdir.service"))).hasMessageContaining("(status=200)");
        assertThat(h.state("chdir.service")).isEqualTo("failed/failed/exit-code");
        assertThat(h.status("chdir.service")).extracting(UnitInfo::execMainCode, UnitInfo::execMainStatus).containsExactly("exited", 200);
    }

    @Test
    void aSimpleMainWhoseExecFailsIsStartedAndThenFails() {
        h.service("noexec.service", "ExecStart=/bin/missing");
        h.launcher.scripts.put("/bin/missing", new Fakes.Script.FailsBeforeExec(Spawner.EXIT_EXEC, "Failed to execute /bin/missing"));
        CompletableFuture<?> job = h.manager().startAsync("noexec.service");
        h.done(job);
        assertThat(h.state("noexec.service")).isEqualTo("failed/failed/exit-code");
        assertThat(h.status("noexec.service")).extracting(UnitInfo::execMainCode, UnitInfo::execMainStatus).containsExactly("exited", 203);
        assertThat(h.status("noexec.service").execMainPID()).isPositive();
    }

    @Test
    void cgroupCreationFailureIsResourcesAndNothingRuns() {
        h.service("c.service", "ExecStart=/bin/main");
        h.cgroups.refuseCreate.add("c.service");
        ManagerException e = (ManagerException) h.failure(h.manager().startAsync("c.service"));
        assertThat(e.result()).contains("resources");
        assertThat(h.state("c.service")).isEqualTo("failed/failed/resources");
        assertThat(h.launcher.launched).isEmpty();
        assertThat(h.status("c.service").lastError()).contains("create cgroup");
    }

    @Test
    void unsupportedTypeIsRefusedAsResources() {
        h.service("fork.service", "Type=forking", "ExecStart=/bin/daemonize");
        assertThat(h.failure(h.manager().startAsync("fork.service"))).hasMessageContaining("Type=forking is not supported");
        assertThat(h.state("fork.service")).isEqualTo("failed/failed/resources");
    }

    @Test
    void unknownUserFailsAt217AndABadEnvironmentFileIsResources() {
        h.service("u.service", "User=no-such-user-xyz", "ExecStart=/bin/main");
        assertThat(h.failure(h.manager().startAsync("u.service"))).hasMessageContaining("status=217");
        assertThat(h.state("u.service")).isEqualTo("failed/failed/exit-code");
        assertThat(h.status("u.service")).extracting(UnitInfo::execMainCode, UnitInfo::execMainStatus).containsExactly("exited", 217);

        h.service("e.service", "EnvironmentFile=" + h.dir.resolve("missing.env"), "ExecStart=/bin/main");
        assertThat(h.failure(h.manager().startAsync("e.service"))).hasMessageContaining("Failed to load environment file");
        assertThat(h.state("e.service")).isEqualTo("failed/failed/resources");
    }

    @Test
    void datapathFailureIsResourcesAndTheServiceDoesNotRun() {
        h.service("fw.service", "IPAddressDeny=any", "ExecStart=/bin/main");
        h.datapath.refuse.add("fw.service");
        assertThat(h.failure(h.manager().startAsync("fw.service"))).hasMessageContaining("cannot attach the unit's programs");
        assertThat(h.state("fw.service")).isEqualTo("failed/failed/resources");
        assertThat(h.launcher.launched).isEmpty();
    }

    @Test
    void withoutCgroupBpfAFirewallUnitFailsClosedAndAnAccountingUnitRunsWithANote() {
        h.datapath.available = false;
        h.service("fw.service", "IPAddressDeny=any", "ExecStart=/bin/main");
        h.service("acct.service", "IPAccounting=yes", "ExecStart=/bin/main");
        assertThat(h.failure(h.manager().startAsync("fw.service")))
                .hasMessageContaining("the unit has a firewall and it cannot be installed, so the unit does not run");
        assertThat(h.state("fw.service")).isEqualTo("failed/failed/resources");
        assertThat(h.launcher.launched).isEmpty();

        h.start("acct.service");
        assertThat(h.state("acct.service")).isEqualTo("active/running/success");
        assertThat(h.status("acct.service").lastError()).startsWith("IP accounting and firewall are off");
    }

    @Test
    void firewallUnavailableEqualsRunLetsAFirewallUnitRunUnfiltered() {
        h.datapath.available = false;
        h.firewallMayRunUnfiltered = true;
        h.service("fw.service", "IPAddressDeny=any", "ExecStart=/bin/main");
        h.start("fw.service");
        assertThat(h.state("fw.service")).isEqualTo("active/running/success");
    }

    @Test
    void aUnitWithAPolicyGetsItsProgramsBeforeItRunsAndLosesThemAfter() {
        h.service("acct.service", "IPAccounting=yes", "ExecStart=/bin/main");
        h.start("acct.service");
        assertThat(h.datapath.log).containsExactly("start acct.service");
        assertThat(h.status("acct.service").counters()).isNotNull();
        assertThat(h.manager().counters(java.util.List.of())).containsKey("acct.service");
        assertThat(h.manager().counters(java.util.List.of("acct.service"))).containsKey("acct.service");
        assertThat(h.manager().counterView("acct.service")).isEqualTo(new Manager.CounterView(true, false));
        h.stop("acct.service");
        assertThat(h.datapath.log).containsExactly("start acct.service", "stop acct.service");
        assertThat(h.status("acct.service").counters()).as("kept as it stopped").isEqualTo(StatusProjection.counters(h.datapath.counters));
    }

    @Test
    void jobsOnOneUnitRunOneAfterAnother() {
        h.service("n.service", "Type=notify", "ExecStart=/bin/n");
        CompletableFuture<?> start = h.manager().startAsync("n.service");
        CompletableFuture<?> stop = h.manager().stopAsync("n.service");
        h.settle();
        assertThat(start).isNotDone();
        assertThat(stop).as("waits for the start job").isNotDone();
        ready("n.service", "READY=1");
        h.done(start);
        h.done(stop);
        assertThat(h.state("n.service")).isEqualTo("inactive/dead/success");
    }

    @Test
    void aMainThatExitsDuringStartPostIsHandledOnceRunning() {
        h.service("p.service", "ExecStart=/bin/main", "ExecStartPost=/bin/hang");
        CompletableFuture<?> job = h.manager().startAsync("p.service");
        h.settle();
        assertThat(h.state("p.service")).isEqualTo("activating/start-post/success");
        h.launcher.last("/bin/main").exitWith(4);
        h.settle();
        h.launcher.last("/bin/hang").exitWith(0);
        h.done(job);
        h.settle();
        assertThat(h.state("p.service")).isEqualTo("failed/failed/exit-code");
    }

    @Test
    void aControlCommandThatCannotBeSpawnedFailsTheStartUnlessPrefixed() {
        h.service("a.service", "ExecStartPre=/bin/gone", "ExecStart=/bin/main");
        h.launcher.scripts.put("/bin/gone", new Fakes.Script.SpawnThrows("no such file"));
        assertThat(h.failure(h.manager().startAsync("a.service"))).hasMessageContaining("cannot run /bin/gone: no such file");
        assertThat(h.state("a.service")).isEqualTo("failed/failed/exit-code");

        h.service("b.service", "ExecStartPre=-/bin/gone", "ExecStartPre=/bin/noexec", "ExecStart=/bin/main");
        h.launcher.scripts.put("/bin/noexec", new Fakes.Script.FailsBeforeExec(Spawner.EXIT_EXEC, "Failed to execute /bin/noexec"));
        assertThat(h.failure(h.manager().startAsync("b.service"))).hasMessageContaining("failed with status 203");

        h.service("c.service", "ExecStart=/bin/main", "ExecStop=/bin/gone");
        h.start("c.service");
        h.stop("c.service");
        assertThat(h.state("c.service")).as("a stop command that cannot run is only logged").isEqualTo("inactive/dead/success");
    }

    @Test
    void aStopDuringAStopWaitsAndTheUnitsQueriesStayConsistent() {
        h.service("a.service", "ExecStart=/bin/main", "ExecStop=/bin/hang", "TimeoutStopSec=2");
        h.start("a.service");
        CompletableFuture<?> first = h.manager().stopAsync("a.service");
        CompletableFuture<?> second = h.manager().stopAsync("a.service");
        h.settle();
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertThat(h.manager().list()).extracting(UnitInfo::name).contains("a.service");
        h.advance(Duration.ofSeconds(2));
        h.done(first);
        h.done(second);
        assertThat(h.state("a.service")).isEqualTo("inactive/dead/success");
    }
}
