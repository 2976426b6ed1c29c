package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.UnitInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Jobs and ordering, daemon-reload, transient units, boot and shutdown, and queries beside a slow change. */
class ManagerJobsTest {
    private final Harness h = new Harness();

    @AfterEach
    void cleanUp() throws Exception {
        h.close();
    }

    @Test
    void requirementsStartFirstInOrderAndAFailedOneFailsTheJob() {
        h.service("db.service", "ExecStart=/bin/db");
        h.unit("web.service", "[Unit]\nRequires=db.service\nWants=cache.service\nAfter=db.service cache.service\n"
                + "[Service]\nExecStart=/bin/web\n");
        h.service("cache.service", "ExecStart=/bin/cache");
        h.start("web.service");
        assertThat(h.launcher.launched).extracting(Spawner.Request::executable).containsExactly("/bin/db", "/bin/cache", "/bin/web");

        h.stop("db.service");
        assertThat(h.state("web.service")).as("what requires it stops first").isEqualTo("inactive/dead/success");

        h.cgroups.refuseCreate.add("db.service");
        Throwable e = h.failure(h.manager().startAsync("web.service"));
        assertThat(e).hasMessageContaining("Dependency failed for web.service");
        h.cgroups.refuseCreate.clear();

        h.cgroups.refuseCreate.add("cache.service");
        h.start("web.service");
        assertThat(h.state("web.service")).as("a failed want does not stop it").isEqualTo("active/running/success");
    }

    @Test
    void aSliceStartsWithItsUnitsAndItsStopStopsItsMembers() {
        h.unit("work.slice", "[Slice]\n");
        h.service("a.service", "Slice=work.slice", "ExecStart=/bin/a");
        h.service("b.service", "Slice=work.slice", "ExecStart=/bin/b");
        h.start("a.service");
        h.start("b.service");
        assertThat(h.status("work.slice").activeState()).isEqualTo(ActiveState.ACTIVE);
        h.stop("work.slice");
        assertThat(h.state("a.service")).isEqualTo("inactive/dead/success");
        assertThat(h.state("b.service")).isEqualTo("inactive/dead/success");
        assertThat(h.cgroups.removed).contains("work.slice");
        assertThat(h.status("work.slice").subState()).isEqualTo("dead");
    }

    @Test
    void unknownMaskedAndBrokenUnitsAreRefusedWithTheirKind() {
        h.unit("broken.service", "[Service]\nUser=nobody\n");
        assertThat(h.failure(h.manager().startAsync("nope.service")))
                .isInstanceOfSatisfying(ManagerException.class, e -> assertThat(e.kind()).isEqualTo(ManagerException.Kind.NO_SUCH_UNIT));
        assertThat(h.failure(h.manager().startAsync("broken.service")))
                .isInstanceOfSatisfying(ManagerException.class, e -> assertThat(e.kind()).isEqualTo(ManagerException.Kind.INVALID_UNIT));
        assertThat(h.failure(h.manager().startAsync("bad name!")))
                .isInstanceOfSatisfying(ManagerException.class, e -> assertThat(e.kind()).isEqualTo(ManagerException.Kind.BAD_REQUEST));
        assertThat(h.failure(h.manager().stopAsync("nope.service")))
                .isInstanceOfSatisfying(ManagerException.class, e -> assertThat(e.kind()).isEqualTo(ManagerException.Kind.NO_SUCH_UNIT));
        assertThat(h.manager().status("nope.service")).isEmpty();
        assertThat(h.manager().statusLoading("broken.service").orElseThrow().loadState()).isEqualTo("bad-setting");
    }

    @Test
    void reloadAppliesANewPolicyToARunningUnitAndABrokenFileKeepsTheRunningConfiguration() {
        h.service("fw.service", "ExecStart=/bin/fw", "IPAddressDeny=10.0.0.0/8");
        h.start("fw.service");
        h.service("fw.service", "ExecStart=/bin/fw", "IPAddressDeny=192.0.2.0/24");
        Manager.ReloadReport r = reload();
        assertThat(r.changed()).containsExactly("fw.service");
        assertThat(r.errors()).isEmpty();
        assertThat(h.datapath.log).containsExactly("start fw.service", "update fw.service");
        assertThat(h.status("fw.service").ipAddressDeny()).containsExactly("192.0.2.0/24");

        h.unit("fw.service", "[Service]\nIPAddressDeny=203.0.113.0/24\n");
        Manager.ReloadReport broken = reload();
        assertThat(broken.errors()).isNotEmpty();
        assertThat(h.status("fw.service").ipAddressDeny()).as("the running configuration is kept").containsExactly("192.0.2.0/24");
        assertThat(h.state("fw.service")).isEqualTo("active/running/success");

        h.service("fw.service", "ExecStart=/bin/fw", "IPAddressDeny=198.51.100.0/24");
        h.datapath.failNextUpdate = new IllegalStateException("BPF_PROG_LOAD failed (fake)");
        Manager.ReloadReport failed = reload();
        assertThat(failed.changed()).isEmpty();
        assertThat(failed.errors()).singleElement().satisfies(d -> assertThat(d.message()).contains("BPF_PROG_LOAD failed"));
    }

    @Test
    void reloadLoadsNewUnitsAndForgetsRemovedOnesThatDoNotRun() throws Exception {
        h.service("a.service", "ExecStart=/bin/a");
        h.manager();
        h.service("b.service", "ExecStart=/bin/b");
        java.nio.file.Files.delete(h.unitsDir.resolve("a.service"));
        reload();
        assertThat(h.manager().status("b.service")).isPresent();
        assertThat(h.status("a.service").loadState()).isEqualTo("not-found");
    }

    @Test
    void aUnitsCounterViewFollowsReloadsOfItAndOfItsSlice() throws Exception {
        h.unit("edge.slice", "[Slice]\n");
        h.service("web.service", "Slice=edge.slice", "IPAccounting=yes", "ExecStart=/bin/web");
        h.manager();
        assertThat(h.manager().counterView("web.service")).isEqualTo(new Manager.CounterView(true, false));
        assertThat(h.manager().counterView("web.service")).as("asked again").isEqualTo(new Manager.CounterView(true, false));
        h.unit("edge.slice", "[Slice]\nIPAddressDeny=10.0.0.0/8\n");
        reload();
        assertThat(h.manager().counterView("web.service")).as("its slice denies now").isEqualTo(new Manager.CounterView(true, true));
        h.unit("edge.slice", "[Slice]\n");
        reload();
        assertThat(h.manager().counterView("web.service")).as("and no longer").isEqualTo(new Manager.CounterView(true, false));
        h.service("web.service", "Slice=edge.slice", "IPAddressDeny=any", "ExecStart=/bin/web");
        reload();
        assertThat(h.manager().counterView("web.service")).as("its own firewall, no accounting").isEqualTo(new Manager.CounterView(false, true));
    }

    private Manager.ReloadReport reload() {
        h.manager();
        CompletableFuture<Manager.ReloadReport> f = CompletableFuture.supplyAsync(() -> h.manager().reload(),
                r -> Thread.ofPlatform().start(r));
        while (!f.isDone()) h.settle();
        return f.join();
    }

    @Test
    void aCounterReadDuringASlowReloadDoesNotWaitForIt() throws Exception {
        // The loop on its own thread, slow work on another: the datapath's update blocks until released.
        Harness t = new Harness();
        try {
            t.service("fw.service", "ExecStart=/bin/fw", "IPAddressDeny=10.0.0.0/8", "IPAccounting=yes");
            Manager m = new Manager(new Manager.Layers(new dev.tollgate.units.UnitLoader(List.of(t.unitsDir),
                    dev.tollgate.units.HostFacts.unknown()), t.launcher, t.cgroups, t.datapath, t.clock, ManagerLoop.threaded(), null,
                    Executors.newSingleThreadExecutor(), Runnable::run, Runnable::run, Runnable::run, t.stateDir, false, Fakes.INTERFACES));
            try {
                m.loadAll();
                m.start("fw.service");
                t.datapath.updateGate = new CompletableFuture<>();
                t.service("fw.service", "ExecStart=/bin/fw", "IPAddressDeny=192.0.2.0/24", "IPAccounting=yes");
                CompletableFuture<Manager.ReloadReport> reload = CompletableFuture.supplyAsync(m::reload);
                t.datapath.updateEntered.join();
                // The reload is held in the datapath's update: queries answer all the same.
                assertThat(m.counters(List.of("fw.service"))).containsEntry("fw.service", t.datapath.counters);
                assertThat(m.list()).extracting(UnitInfo::name).contains("fw.service");
                assertThat(m.status("fw.service").orElseThrow().activeState()).isEqualTo(ActiveState.ACTIVE);
                t.datapath.updateGate.complete(null);
                assertThat(reload.join().changed()).containsExactly("fw.service");
                m.shutdown(true);
                assertThat(t.launcher.last("/bin/fw").isAlive()).isFalse();
            } finally {
                m.close();
            }
        } finally {
            t.close();
        }
    }

    @Test
    void aTransientRunWaitsForItsCommandAndReportsItsStatus() {
        h.manager();
        h.launcher.scripts.put("/bin/true", new Fakes.Script.Runs(Fakes.Nature.DIES_ON_TERM));
        CompletableFuture<Manager.RunResult> run = h.manager().runTransientAsync(Optional.of("job"), Optional.of("batch"),
                Optional.of("a job\nwith [Service]"), List.of("IPAccounting=yes"), List.of("/bin/true", "it's \"quoted\"\t$x%"), true);
        h.settle();
        assertThat(run).isNotDone();
        h.launcher.last("/bin/true").exitWith(7);
        Manager.RunResult r = h.done(run);
        assertThat(r.unit()).isEqualTo("job.service");
        assertThat(r.exitStatus()).contains(7);
        assertThat(r.exitCode()).contains("exited");
        assertThat(r.status().unitFileState()).isEqualTo("transient");
        assertThat(h.launcher.launched.getLast().argv()).containsExactly("/bin/true", "it's \"quoted\"\t$x%");
        assertThat(h.manager().transientText("job.service").orElseThrow())
                .contains("Description=a job with [Service]").contains("Slice=batch.slice");
        assertThat(h.manager().unitFileState("job.service")).contains("transient");
        assertThat(h.manager().unitFileStates()).anyMatch(e -> e.name().id().equals("job.service"));

        Manager.RunResult again = h.done(h.manager().runTransientAsync(Optional.of("job"), Optional.empty(), Optional.empty(),
                List.of(), List.of("/bin/true"), false));
        assertThat(again.exitStatus()).isEmpty();
        assertThat(h.failure(h.manager().runTransientAsync(Optional.of("job"), Optional.empty(), Optional.empty(),
                List.of(), List.of("/bin/true"), false))).isInstanceOfSatisfying(ManagerException.class,
                e -> assertThat(e.kind()).isEqualTo(ManagerException.Kind.UNIT_EXISTS));
        assertThat(h.failure(h.manager().runTransientAsync(Optional.of("bad"), Optional.empty(), Optional.empty(),
                List.of("Nonsense"), List.of("/bin/true"), false))).hasMessageContaining("is not KEY=VALUE");
        assertThat(h.failure(h.manager().runTransientAsync(Optional.of("bad2"), Optional.of("no/slice"), Optional.empty(),
                List.of(), List.of("/bin/true"), false))).hasMessageContaining("Slice name");
        assertThat(h.failure(h.manager().runTransientAsync(Optional.of("bad3"), Optional.empty(), Optional.empty(),
                List.of("Type=oneshot", "Restart=always"), List.of("/bin/true"), false))).isInstanceOfSatisfying(ManagerException.class,
                e -> assertThat(e.kind()).isEqualTo(ManagerException.Kind.INVALID_UNIT));
    }

    @Test
    void bootStartsTheEnabledUnitsInWavesAndShutdownStopsThemInReverse() throws Exception {
        h.service("first.service", "ExecStart=/bin/first");
        h.unit("second.service", "[Unit]\nAfter=first.service\n[Service]\nExecStart=/bin/second\n[Install]\nWantedBy=multi-user.target\n");
        h.unit("third.service", "[Unit]\nBefore=second.service\n[Service]\nExecStart=/bin/third\n");
        h.enable("first.service").enable("second.service").enable("third.service");
        h.manager();
        inThread(() -> h.manager().startDefaultTarget());
        assertThat(h.launcher.launched.getLast().executable()).isEqualTo("/bin/second");
        assertThat(h.status("first.service").unitFileState()).isEqualTo("enabled");
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        h.manager().addListener(s -> {
            if (s.subState().equals("stop-sigterm")) order.add(s.name());
        });
        inThread(() -> h.manager().shutdown(true));
        assertThat(order.getFirst()).isEqualTo("second.service");
        assertThat(order).hasSize(3);
        assertThat(h.launcher.processes).noneMatch(Fakes.FakeProcess::isAlive);
    }

    @Test
    void enableAndDisableMakeAndRemoveTheInstallLinks() {
        h.unit("e.service", "[Service]\nExecStart=/bin/e\n[Install]\nWantedBy=multi-user.target\n");
        h.service("plain.service", "ExecStart=/bin/p");
        h.manager();
        Manager.Enabled[] made = new Manager.Enabled[1];
        inThread(() -> made[0] = h.manager().enable("e.service"));
        assertThat(made[0].carriesInstallInfo()).isTrue();
        assertThat(made[0].links()).singleElement().satisfies(l -> assertThat(l).contains("multi-user.target.wants/e.service"));
        assertThat(h.manager().isEnabled(dev.tollgate.units.UnitName.of("e.service"))).isTrue();
        assertThat(h.manager().unitFileState("e.service")).contains("enabled");
        inThread(() -> made[0] = h.manager().enable("plain.service"));
        assertThat(made[0].carriesInstallInfo()).isFalse();
        assertThat(h.manager().disable("e.service")).hasSize(1);
        assertThat(h.manager().unitFileState("e.service")).contains("disabled");
    }

    private void inThread(Runnable r) {
        Thread t = Thread.ofPlatform().start(r);
        while (t.isAlive()) h.settle();
        h.settle();
    }

    @Test
    void subscribersSeeEveryStateChangeInOrder() {
        h.service("a.service", "ExecStart=/bin/a");
        List<String> seen = new ArrayList<>();
        h.manager().addListener(s -> seen.add(s.activeState().wireName() + "/" + s.subState()));
        h.start("a.service");
        h.stop("a.service");
        assertThat(seen).containsExactly("activating/start-pre", "activating/start", "active/running", "deactivating/stop",
                "deactivating/stop-sigterm", "inactive/dead");
        CounterSums none = CounterSums.ZERO;
        assertThat(none).isNotNull();
    }

    /**
     * A stop asked while a start is still preparing (its programs being loaded off the loop)
     * waits for that start, then removes the programs it attached: nothing is left attached to
     * a unit that ends inactive.
     */
    @Test
    void aStopAskedWhileAStartPreparesLeavesNoProgramsBehind() {
        List<Runnable> held = new ArrayList<>();
        boolean[] holding = {false};
        h.work = r -> {
            if (holding[0]) held.add(r);
            else r.run();
        };
        h.service("fw.service", "ExecStart=/bin/fw", "IPAddressDeny=192.0.2.0/24", "IPAccounting=yes");
        h.manager();
        holding[0] = true;
        CompletableFuture<UnitRuntime> start = h.manager().startAsync("fw.service");
        h.settle();
        assertThat(held).as("the start's preparation waits in the job pool").hasSize(1);
        CompletableFuture<UnitRuntime> stop = h.manager().stopAsync("fw.service");
        h.settle();
        holding[0] = false;
        while (!held.isEmpty()) {
            held.removeFirst().run();
            h.settle();
        }
        h.done(stop);
        assertThat(start).isDone();
        assertThat(h.state("fw.service")).startsWith("inactive/dead");
        assertThat(h.datapath.applied("fw.service")).as("programs of fw.service left attached").isEmpty();
        assertThat(h.datapath.log).containsSubsequence("start fw.service", "stop fw.service");
    }
}
