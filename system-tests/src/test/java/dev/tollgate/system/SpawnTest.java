package dev.tollgate.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How tollgated spawns a service (Spawner: pidfd_spawn into the cgroup on glibc ≥ 2.39, else
 * posix_spawn held before exec until moved): the process is the command itself (no shell in
 * between), a child of the daemon in a session of its own, in its cgroup, stdin /dev/null,
 * soft open-files limit 1024, every signal unblocked; User= runs it as that user; a spawn that
 * fails gives systemd's exit status and leaves no process behind.
 */
@Privileged
@Timeout(120)
class SpawnTest {
    private TollgatedProcess daemon;
    private ManagerClient api;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new TollgatedProcess();
        daemon.unit("plain.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("nobody.service", "[Service]\nUser=65534\nGroup=65534\nExecStart=/bin/sleep 3601\n", false);
        daemon.unit("noexec.service", "[Service]\nExecStart=/nonexistent/tollgate-spawn-test\n", false);
        daemon.unit("nodir.service", "[Service]\nWorkingDirectory=/nonexistent/tollgate-spawn-dir\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("nouser.service", "[Service]\nUser=tollgate-no-such-user\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("pre.service", "[Service]\nExecStartPre=/nonexistent/tollgate-spawn-pre\nExecStart=/bin/sleep 3600\n", false);
        daemon.start();
        api = ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(60)));
    }

    @AfterEach
    void tearDown() throws Exception {
        try (TollgatedProcess d = daemon) {
            if (api != null) api.close();
        }
    }

    @Test
    void theServiceIsTheCommandItselfInItsCgroupAndSession() throws Exception {
        api.startUnit("plain.service");
        UnitInfo u = api.getUnit("plain.service");
        long pid = u.mainPID();
        assertThat(Files.readString(Path.of("/proc/" + pid + "/comm")).strip()).isEqualTo("sleep");
        assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).isEqualTo("/bin/sleep\u00003600\u0000");
        List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
        assertThat(field(status, "PPid")).isEqualTo(Long.toString(daemon.pid()));
        assertThat(field(status, "SigBlk")).isEqualTo("0000000000000000");
        String[] stat = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceFirst(".*\\) ", "").split(" ");
        assertThat(stat[3]).as("session id").isEqualTo(Long.toString(pid));
        assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/0")).toString()).isEqualTo("/dev/null");
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            assertThat(fds.map(f -> f.getFileName().toString()).sorted().toList()).as("the service's fds").containsExactly("0", "1", "2");
        }
        assertThat(Files.readAllLines(Path.of("/proc/" + pid + "/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow()).matches("Max open files\\s+1024\\s.*");
        assertThat(Files.readString(daemon.cgroupRoot.getParent().resolve(u.controlGroup().replaceFirst("^/", "")).resolve("cgroup.procs")).strip())
                .isEqualTo(Long.toString(pid));
        api.stopUnit("plain.service");
        // Reaped by the daemon: no zombie is left.
        TollgatedProcess.await("reaped", Duration.ofSeconds(30), () -> !Files.exists(Path.of("/proc/" + pid)));
    }

    @Test
    void userAndGroupApplyToTheCommand() throws Exception {
        api.startUnit("nobody.service");
        long pid = api.getUnit("nobody.service").mainPID();
        List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
        assertThat(field(status, "Uid")).startsWith("65534\t65534");
        assertThat(field(status, "Gid")).startsWith("65534\t65534");
        assertThat(Files.readString(Path.of("/proc/" + pid + "/comm")).strip()).isEqualTo("sleep");
        api.stopUnit("nobody.service");
    }

    @Test
    void aFailedSpawnGivesSystemdsExitStatusAndLeavesNothing() throws Exception {
        for (var c : List.of(new String[] {"noexec.service", "203"}, new String[] {"nodir.service", "200"},
                new String[] {"nouser.service", "217"}, new String[] {"pre.service", "203"})) {
            Throwable start = catchThrowable(() -> api.startUnit(c[0]));
            if (c[0].equals("noexec.service")) {
                // As systemd's Type=simple: the job is done once the child exists; its exec then fails.
                assertThat(start).as(c[0]).isNull();
                TollgatedProcess.await(c[0] + " to fail", Duration.ofSeconds(30), () -> state(c[0]) == ActiveState.FAILED);
            } else {
                assertThat(start).as(c[0]).isNotNull().hasMessageContaining(c[0]);
            }
            UnitInfo u = api.getUnit(c[0]);
            assertThat(u.activeState()).as(c[0]).isEqualTo(ActiveState.FAILED);
            assertThat(u.result()).as(c[0]).isEqualTo("exit-code");
            assertThat(u.pids()).as(c[0]).isEmpty();
            assertThat(daemon.logText()).as(c[0]).contains("status=" + c[1]);
        }
        assertThat(children(daemon.pid())).as("children of the daemon").isEmpty();
        assertThat(Files.exists(daemon.cgroupRoot.resolve("system.slice/noexec.service"))).isFalse();
    }

    @Test
    @SuppressWarnings("restricted")
    void theProbeSpawnsIntoTheCgroupWhereGlibcCan() throws Throwable {
        var linker = java.lang.foreign.Linker.nativeLinker();
        var version = linker.downcallHandle(linker.defaultLookup().find("gnu_get_libc_version").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS));
        String glibc = ((java.lang.foreign.MemorySegment) version.invokeExact()).reinterpret(32).getString(0);
        String[] v = glibc.split("\\.");
        boolean atLeast239 = Integer.parseInt(v[0]) > 2 || Integer.parseInt(v[0]) == 2 && Integer.parseInt(v[1]) >= 39;
        System.out.println("glibc " + glibc + ": " + dev.tollgate.daemon.Spawner.method());
        assertThat(dev.tollgate.daemon.Spawner.method().startsWith("pidfd_spawn")).as("glibc " + glibc).isEqualTo(atLeast239);
        assertThat(daemon.logText()).contains("services are spawned by " + dev.tollgate.daemon.Spawner.method());
    }

    private ActiveState state(String unit) {
        try {
            return api.getUnit(unit).activeState();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String field(List<String> status, String name) {
        return status.stream().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow().substring(name.length() + 1).strip();
    }

    private static List<String> children(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.flatMap(t -> {
                try {
                    return Stream.of(Files.readString(t.resolve("children")).trim().split(" "));
                } catch (IOException gone) {
                    return Stream.empty();
                }
            }).filter(s -> !s.isEmpty()).toList();
        }
    }
}
