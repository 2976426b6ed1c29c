package dev.tollgate.system;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of tollgated during a flood and during a reload, then a new start: no counter lost,
 * the service never restarted, no denied packet delivered.
 */
@SuppressWarnings("try") // close() may be interrupted; tests propagate that
@Privileged(commands = "python3")
class CrashSafetyTest {
    private TollgatedProcess daemon;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new TollgatedProcess();
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    /**
     * Attach modes with the programs the kernel allows (shared where it can), and with per-unit
     * programs forced: throughout, or only for the first daemon, whose unit the shared daemons
     * after the kills take over in its own form (as after an upgrade from a version before
     * shared programs).
     */
    @ParameterizedTest
    @ValueSource(strings = {"link", "multi", "single", "link per-unit", "multi per-unit", "link per-unit,auto"})
    void kill9DuringAFloodAndAReloadLosesNothing(String variant) throws Exception {
        String[] v = variant.split(" ");
        String mode = v[0];
        String[] programs = (v.length > 1 ? v[1] : "auto").split(",");
        String later = programs[programs.length - 1];
        daemon.args("--attach-mode", mode, "--programs", programs[0]);
        Path pidFile = daemon.work.resolve("pid");
        Path done = daemon.work.resolve("done");
        try (DaemonServiceTest.Receiver allowed = new DaemonServiceTest.Receiver("127.0.0.1");
             DaemonServiceTest.Receiver denied = new DaemonServiceTest.Receiver("127.0.0.2")) {
            daemon.unit("flood.service", """
                    [Service]
                    IPAccounting=yes
                    IPAddressDeny=127.0.0.2
                    ExecStart=%s
                    """.formatted(python("""
                    import os,socket,time
                    open('%s','w').write(str(os.getpid()))
                    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                    sent=0
                    for i in range(30000):
                        s.sendto(b'x'*64,('127.0.0.1',%d)); sent+=1
                        try: s.sendto(b'y',('127.0.0.2',%d))
                        except OSError: pass
                        if i %% 100 == 0: time.sleep(0.01)
                    open('%s.tmp','w').write(str(sent)); os.rename('%s.tmp','%s')
                    time.sleep(3600)
                    """.formatted(pidFile, allowed.port(), denied.port(), done, done, done))), true);
            daemon.start();
            TollgatedProcess.await("the flood to start", Duration.ofSeconds(20), () -> allowed.count.get() > 500);
            String pid = Files.readString(pidFile).trim();

            daemon.kill9();
            daemon.replaceArgs("--attach-mode", mode, "--programs", later);
            daemon.start();
            // And once more in the middle of a reload.
            int lines = daemon.logText().split("\n").length;
            daemon.signal("HUP");
            daemon.awaitLog("SIGHUP: reloading", lines, Duration.ofSeconds(10));
            daemon.kill9();
            daemon.start();

            TollgatedProcess.await("the flood to end", Duration.ofSeconds(60), () -> Files.exists(done));
            long sent = Long.parseLong(Files.readString(done).trim());
            TollgatedProcess.await("every datagram received", Duration.ofSeconds(10), () -> allowed.count.get() == sent);
            assertThat(Files.readString(pidFile).trim()).as("the service was never restarted").isEqualTo(pid);
            assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive)).contains(true);
            assertThat(denied.count.get()).as("datagrams that reached the denied address").isZero();
            var c = daemon.pinnedCounters("flood.service", false).orElseThrow();
            assertThat(c.egressPackets()).as("egress packets counted").isEqualTo(sent);
            assertThat(c.egressDroppedPackets()).isEqualTo(30000);
            assertThat(daemon.logText()).contains("took over flood.service");
            if (programs[0].equals("per-unit")) {
                assertThat(daemon.logText()).contains("each unit loads its own programs");
                // Taken over in the form it started with, whatever the later daemons prefer.
                assertThat(new dev.tollgate.accounting.PinLayout(daemon.bpffs).unit("flood.service")
                        .resolve(dev.tollgate.accounting.PinLayout.COUNTERS)).as("the unit's own counters map").exists();
            }
        }
        assertThat(daemon.stop()).isZero();
        assertThat(daemon.cgroupRoot).doesNotExist();
        assertThat(daemon.bpffs).doesNotExist();
    }
}
