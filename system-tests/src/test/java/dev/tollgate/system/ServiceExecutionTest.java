package dev.tollgate.system;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How tollgated runs a service's processes: credentials, environment, directory, output, types. */
@SuppressWarnings("try")
@Privileged(commands = {"python3", "capsh"})
class ServiceExecutionTest {
    private TollgatedProcess daemon;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new TollgatedProcess();
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    @Test
    void userGroupEnvironmentDirectoryAndOutput() throws Exception {
        Path out = daemon.work.resolve("out");
        Path env = daemon.work.resolve("env");
        Files.writeString(env, "# comment\nFROM_FILE=\"file value\"\nOVERRIDE=file\n");
        Files.setPosixFilePermissions(daemon.work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        daemon.unit("who.service", """
                [Service]
                Type=oneshot
                User=65534
                Group=65534
                Environment="GREETING=hello world" OVERRIDE=unit
                EnvironmentFile=%s
                EnvironmentFile=-/nonexistent/file
                WorkingDirectory=/tmp
                StandardOutput=file:%s
                ExecStart=/bin/bash -c 'echo "$$(id -u):$$(id -g) $$PWD [$$GREETING] [$$FROM_FILE] [$$OVERRIDE] $$1"' argv0 ${GREETING}
                RemainAfterExit=yes
                """.formatted(env, out), true);
        daemon.start();
        TollgatedProcess.await("output", Duration.ofSeconds(20), () -> Files.exists(out) && lines(out) > 0);
        assertThat(Files.readString(out).strip()).isEqualTo("65534:65534 /tmp [hello world] [file value] [file] hello world");
    }

    @Test
    void notifyServiceIsActiveOnlyAfterReady() throws Exception {
        Path marker = daemon.work.resolve("after-ready");
        daemon.unit("notify.service", """
                [Service]
                Type=notify
                ExecStart=%s
                ExecStartPost=/bin/touch %s
                """.formatted(python("""
                import os,socket,time
                time.sleep(1.0)
                s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
                s.sendto(b'READY=1\\nSTATUS=up',os.environ['NOTIFY_SOCKET'])
                time.sleep(3600)
                """), marker), true);
        long t0 = System.nanoTime();
        daemon.start();
        // Start-up waits for the enabled units, so READY=1 came before "running".
        assertThat(Files.exists(marker)).isTrue();
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1000);
        assertThat(daemon.logText()).contains("started notify.service");
    }

    /**
     * As {@link #notifyServiceIsActiveOnlyAfterReady}, without timing: the service sends READY=1
     * only when the test lets it, so until then the unit must read as activating, whatever the
     * machine's speed (a daemon that did not wait would say active, or run ExecStartPost=).
     */
    @Test
    void aNotifyServiceStaysActivatingUntilItSendsReady() throws Exception {
        Path up = daemon.work.resolve("up");
        Path go = daemon.work.resolve("go");
        Path marker = daemon.work.resolve("after-ready");
        daemon.unit("gated.service", """
                [Service]
                Type=notify
                ExecStart=%s
                ExecStartPost=/bin/touch %s
                """.formatted(python("""
                import os,socket,time
                open('%s','w').close()
                while not os.path.exists('%s'): time.sleep(0.01)
                s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
                s.sendto(b'READY=1',os.environ['NOTIFY_SOCKET'])
                time.sleep(3600)
                """.formatted(up, go)), marker), false);
        daemon.start();
        try (ManagerClient starter = client(); ManagerClient watcher = client();
             ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<UnitStateReply> started = pool.submit(() -> starter.startUnit("gated.service"));
            Await.until("the service to run", () -> Files.exists(up));
            assertThat(watcher.getUnit("gated.service").activeState()).isEqualTo(ActiveState.ACTIVATING);
            assertThat(started).as("StartUnit before READY=1").isNotDone();
            assertThat(marker).as("ExecStartPost= before READY=1").doesNotExist();
            Files.writeString(go, "");
            assertThat(started.get(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS).activeState()).isEqualTo(ActiveState.ACTIVE);
            assertThat(marker).exists();
            watcher.stopUnit("gated.service");
        }
    }

    private ManagerClient client() throws java.io.IOException {
        return ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Await.SAFETY_NET));
    }

    @Test
    void aBrokenUnitFileIsReportedWithFileLineAndTheOthersRun() throws Exception {
        Path ran = daemon.work.resolve("ran");
        daemon.unit("good.service", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/touch " + ran + "\n", true);
        // A bad value is a warning and the setting is ignored, as in systemd; a service without a
        // command cannot load at all.
        daemon.unit("odd.service", "[Service]\nType=forking-nonsense\nExecStart=/bin/sleep 3600\n", true);
        daemon.unit("bad.service", "[Service]\nExecStart=/bin/true \"unterminated\n", true);
        daemon.start();
        TollgatedProcess.await("good ran", Duration.ofSeconds(20), () -> Files.exists(ran));
        String log = daemon.logText();
        assertThat(log).contains("odd.service:2: [Service] Type=", "started odd.service");
        assertThat(log).contains("bad.service:2: [Service] ExecStart=").doesNotContain("started bad.service");
    }

    @Test
    void reloadWithABrokenFileKeepsTheRunningConfiguration() throws Exception {
        try (DaemonServiceTest.Receiver target = new DaemonServiceTest.Receiver("127.0.0.2")) {
            String flood = python("""
                    import socket,time
                    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                    while True:
                        try: s.sendto(b'b',('127.0.0.2',%d))
                        except OSError: pass
                        time.sleep(0.01)
                    """.formatted(target.port()));
            daemon.unit("guarded.service", "[Service]\nIPAddressDeny=127.0.0.2\nExecStart=" + flood + "\n", true);
            daemon.start();
            TollgatedProcess.await("drops", Duration.ofSeconds(20),
                    () -> daemon.pinnedCounters("guarded.service", false).map(c -> c.egressDroppedPackets() > 5).orElse(false));
            // The new file clears the deny list but cannot load (its only command is broken).
            daemon.unit("guarded.service", "[Service]\nIPAddressDeny=\nExecStart=/bin/true \"broken\n", true);
            int from = daemon.logText().split("\n").length;
            daemon.signal("HUP");
            daemon.awaitLog("reload done", from, Duration.ofSeconds(20));
            // Datagrams sent after the reload: dropped (counted) as before, none at the target.
            long dropsAtReload = daemon.pinnedCounters("guarded.service", false).orElseThrow().egressDroppedPackets();
            TollgatedProcess.await("drops after the reload", Duration.ofSeconds(20),
                    () -> daemon.pinnedCounters("guarded.service", false).map(c -> c.egressDroppedPackets() > dropsAtReload + 5).orElse(false));
            assertThat(target.count.get()).as("the old deny list still holds").isZero();
            assertThat(daemon.logText()).contains("guarded.service:3: [Service] ExecStart=");
        }
    }

    @Test
    void withoutCgroupBpfUnitsStillRunWithOneWarningEach() throws Exception {
        Path ran = daemon.work.resolve("ran");
        daemon.unit("counted.service", """
                [Service]
                IPAccounting=yes
                ExecStart=/bin/bash -c 'touch %s; sleep 3600'
                """.formatted(ran), true);
        List<String> cmd = daemon.command();
        // The same daemon without CAP_BPF, CAP_SYS_ADMIN and CAP_PERFMON: bpf(2) refuses it.
        daemon.wrap(List.of("capsh", "--drop=cap_bpf,cap_sys_admin,cap_perfmon", "--", "-c", "exec \"$0\" \"$@\""));
        daemon.start();
        TollgatedProcess.await("the unit ran", Duration.ofSeconds(20), () -> Files.exists(ran));
        String log = daemon.logText();
        assertThat(log).contains("cgroup BPF is unavailable");
        assertThat(log.split("counted.service: runs without IP accounting and firewall", -1)).hasSize(2);
        assertThat(cmd).isNotEmpty();
    }

    static int lines(Path p) {
        return DaemonServiceTest.lines(p);
    }
}
