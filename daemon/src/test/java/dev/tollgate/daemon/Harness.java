package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.UnitInfo;
import dev.tollgate.units.HostFacts;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.UnitName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A manager on fakes: unit files in a directory of the test's own, the manager loop run by the
 * test ({@link #settle()}), slow work done at once on the test's thread, a clock the test moves.
 */
final class Harness implements AutoCloseable {
    final Path dir;
    final Path unitsDir;
    final Path stateDir;
    final Fakes.Launcher launcher = new Fakes.Launcher();
    final Fakes.Cgroups cgroups = new Fakes.Cgroups(launcher);
    final Fakes.FakeDatapath datapath = new Fakes.FakeDatapath();
    final Fakes.Clock clock = new Fakes.Clock();
    final ManagerLoop loop = ManagerLoop.manual();
    boolean firewallMayRunUnfiltered;
    Executor work = Runnable::run;
    private Manager manager;

    Harness() {
        try {
            dir = Files.createTempDirectory("tollgate-lifecycle-");
            unitsDir = Files.createDirectories(dir.resolve("units"));
            stateDir = Files.createDirectories(dir.resolve("state"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Harness unit(String name, String text) {
        try {
            Files.writeString(unitsDir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** A service whose [Service] section is {@code service} (lines). */
    Harness service(String name, String... service) {
        return unit(name, "[Unit]\nDescription=" + name + "\n[Service]\n" + String.join("\n", service) + "\n");
    }

    Harness enable(String name) {
        try {
            Path wants = Files.createDirectories(unitsDir.resolve("multi-user.target.wants"));
            Files.createSymbolicLink(wants.resolve(name), unitsDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Manager manager() {
        if (manager == null) {
            manager = new Manager(new Manager.Layers(new UnitLoader(List.of(unitsDir), HostFacts.unknown()), launcher, cgroups,
                    datapath, clock, loop, null, work, Runnable::run, Runnable::run, Runnable::run, stateDir, firewallMayRunUnfiltered,
                    Fakes.INTERFACES));
            CompletableFuture<?> f = manager.loadAllAsync();
            settle();
            assertThat(f).isCompleted();
        }
        return manager;
    }

    /** Runs the loop until nothing is pending. */
    void settle() {
        loop.runPending();
    }

    /** Moves the clock on and runs what that set off. */
    void advance(Duration d) {
        settle();
        clock.advance(d);
        settle();
    }

    <T> T done(CompletableFuture<T> f) {
        settle();
        assertThat(f).as("the job is done").isDone();
        return f.join();
    }

    /** The exception a job failed with. */
    Throwable failure(CompletableFuture<?> f) {
        settle();
        assertThat(f).as("the job is done").isDone();
        try {
            f.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the job did not fail");
    }

    UnitInfo start(String name) {
        done(manager().startAsync(name));
        return status(name);
    }

    UnitInfo stop(String name) {
        done(manager().stopAsync(name));
        return status(name);
    }

    UnitInfo status(String name) {
        return manager().status(name).orElseThrow();
    }

    String state(String name) {
        UnitInfo s = status(name);
        return s.activeState().wireName() + "/" + s.subState() + "/" + s.result();
    }

    /** The live unit, read on the loop's behalf (the test is the loop's thread between settles). */
    UnitRecord record(String name) {
        return manager().units().record(UnitName.of(name)).orElseThrow();
    }

    Path cgroup(String name) {
        return cgroups.mount.resolve("system.slice").resolve(name);
    }

    @Override
    public void close() throws IOException {
        if (manager != null) manager.close();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
