package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.SystemState;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The manager's state (systemctl is-system-running): starting until the boot's jobs are done,
 * then running or degraded, stopping during shutdown. On fakes, the loop run by the test: the
 * boot is held by a Type=notify unit that has not sent READY=1, not by time.
 */
class SystemStateTest {
    private final Harness h = new Harness();

    @AfterEach
    void cleanUp() throws Exception {
        h.close();
    }

    @Test
    void startingWhileABootUnitIsActivatingThenRunning() {
        h.service("slow.service", "Type=notify", "ExecStart=/bin/slow");
        h.service("quick.service", "ExecStart=/bin/quick");
        h.enable("slow.service").enable("quick.service");
        assertThat(h.manager().systemState()).as("before the boot").isEqualTo(SystemState.STARTING);

        CompletableFuture<Void> boot = h.manager().bootAsync();
        h.settle();
        assertThat(boot).as("held by slow.service's READY=1").isNotDone();
        assertThat(h.state("quick.service")).isEqualTo("active/running/success");
        assertThat(h.state("slow.service")).isEqualTo("activating/start/success");
        assertThat(h.manager().systemState()).isEqualTo(SystemState.STARTING);

        ready("slow.service");
        h.done(boot);
        assertThat(h.state("slow.service")).isEqualTo("active/running/success");
        assertThat(h.manager().systemState()).isEqualTo(SystemState.RUNNING);
    }

    @Test
    void degradedWhileABootUnitIsFailedAndRunningOnceItIsStartedAgain() {
        h.service("broken.service", "ExecStart=/bin/broken");
        h.service("fine.service", "ExecStart=/bin/fine");
        h.enable("broken.service").enable("fine.service");
        h.launcher.scripts.put("/bin/broken", new Fakes.Script.SpawnThrows("fork: out of memory"));

        h.done(h.manager().bootAsync());
        assertThat(h.state("broken.service")).isEqualTo("failed/failed/resources");
        assertThat(h.state("fine.service")).isEqualTo("active/running/success");
        assertThat(h.manager().systemState()).as("a boot unit failed").isEqualTo(SystemState.DEGRADED);

        // As systemd's: degraded while a unit is failed, not forever after the boot.
        h.launcher.scripts.remove("/bin/broken");
        h.start("broken.service");
        assertThat(h.manager().systemState()).isEqualTo(SystemState.RUNNING);
    }

    @Test
    void stoppingDuringShutdownWhichRefusesStarts() throws Exception {
        h.service("stubborn.service", "ExecStart=/bin/stubborn", "TimeoutStopSec=5");
        h.service("late.service", "ExecStart=/bin/late");
        h.enable("stubborn.service");
        h.launcher.scripts.put("/bin/stubborn", new Fakes.Script.Runs(Fakes.Nature.IGNORES_TERM));
        h.done(h.manager().bootAsync());
        assertThat(h.manager().systemState()).isEqualTo(SystemState.RUNNING);

        Thread shutdown = Thread.ofPlatform().name("shutdown").start(() -> h.manager().shutdown(true));
        // The shutdown waits on the loop, which this thread runs: until stubborn.service ignores its SIGTERM.
        while (!h.state("stubborn.service").startsWith("deactivating/stop-sigterm")) h.settle();
        assertThat(h.manager().systemState()).isEqualTo(SystemState.STOPPING);
        assertThat(h.failure(h.manager().startAsync("late.service"))).isInstanceOfSatisfying(ManagerException.class,
                e -> assertThat(e.kind()).isEqualTo(ManagerException.Kind.NOT_RUNNING));
        assertThat(h.launcher.launched).noneMatch(r -> r.executable().equals("/bin/late"));

        h.advance(Duration.ofSeconds(5)); // TimeoutStopSec=: SIGKILL
        while (shutdown.isAlive()) h.settle();
        shutdown.join();
        assertThat(h.launcher.last("/bin/stubborn").isAlive()).isFalse();
        assertThat(h.manager().systemState()).isEqualTo(SystemState.STOPPING);
    }

    private void ready(String unit) {
        h.loop.post(() -> {
            UnitRuntime u = h.manager().units().get(dev.tollgate.units.UnitName.of(unit));
            h.manager().lifecycle().notifyMessage(u, u.run, "READY=1");
        });
        h.settle();
    }
}
