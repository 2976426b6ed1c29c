package dev.tollgate.system;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** tollgated running real services on real cgroups with real traffic (issue 5). */
@SuppressWarnings("try") // close() may be interrupted; tests propagate that
@Privileged(commands = "python3")
class DaemonServiceTest {
    private TollgatedProcess daemon;

    @BeforeEach
    void setUp() throws IOException {
        daemon = new TollgatedProcess();
        daemon.unit("web.slice", "[Slice]\nIPAccounting=yes\n", false);
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    /** A receiver outside every unit, counting datagrams in the background. */
    static final class Receiver implements AutoCloseable {
        final DatagramChannel channel;
        final AtomicLong count = new AtomicLong();
        final Thread thread;

        Receiver(String address) throws IOException {
            channel = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(address, 0));
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 16 << 20);
            // Blocking, on a platform thread of its own: woken at once by each datagram, so that a
            // busy machine delays it as little as possible (a full receive buffer would drop).
            channel.configureBlocking(true);
            thread = Thread.ofPlatform().daemon().name("receiver-" + address).start(() -> {
                ByteBuffer b = ByteBuffer.allocate(65536);
                try {
                    while (true) {
                        b.clear();
                        channel.receive(b);
                        count.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // close(): done
                }
            });
        }

        int port() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws Exception {
            channel.close();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aDatagramSentAsTheServicesFirstActIsCounted() throws Exception {
        try (Receiver r = new Receiver("127.0.0.1")) {
            daemon.unit("first.service", """
                    [Service]
                    Slice=web.slice
                    IPAccounting=yes
                    ExecStart=%s
                    """.formatted(python("""
                    import socket,time
                    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                    for i in range(10): s.sendto(b'x'*100,('127.0.0.1',%d))
                    time.sleep(3600)
                    """.formatted(r.port()))), true);
            // The daemon makes its state (and socket) directory, so a clean stop removes it too.
            Files.delete(daemon.state);
            daemon.start();
            TollgatedProcess.await("10 datagrams", Duration.ofSeconds(20), () -> r.count.get() == 10);
            assertThat(daemon.pinnedCounters("first.service", false))
                    .contains(new CounterSums(0, 0, 10, 1280, 0, 0, 0, 0));
            assertThat(daemon.pinnedCounters("web.slice", true))
                    .contains(new CounterSums(0, 0, 10, 1280, 0, 0, 0, 0));
        }
        assertThat(daemon.stop()).isZero();
        // A clean stop leaves nothing: no cgroups, no pins, no state directory (nor the spawn
        // rendezvous directory in it) where there was none.
        assertThat(daemon.cgroupRoot).doesNotExist();
        assertThat(daemon.bpffs).doesNotExist();
        assertThat(daemon.state).doesNotExist();
    }

    @Test
    void restartOnFailureRestartsAfterRestartSec() throws Exception {
        Path runs = daemon.work.resolve("runs");
        daemon.unit("flaky.service", """
                [Service]
                ExecStart=/bin/bash -c 'echo run >> %s; exit 3'
                Restart=on-failure
                RestartSec=200ms
                """.formatted(runs), true);
        daemon.start();
        TollgatedProcess.await("three runs", Duration.ofSeconds(20), () -> lines(runs) >= 3);
        assertThat(daemon.logText()).contains("flaky.service: main process", "exited, status 3", "scheduling restart in 200 ms");
    }

    @Test
    void restartNoLeavesTheUnitFailed() throws Exception {
        Path runs = daemon.work.resolve("runs");
        daemon.unit("once.service", """
                [Service]
                ExecStart=/bin/bash -c 'echo run >> %s; exit 7'
                """.formatted(runs), true);
        daemon.start();
        // Failed is where a unit without Restart= ends; a restart would have been scheduled
        // (and logged) before the unit could read as failed.
        try (ManagerClient c = client()) {
            TollgatedProcess.await("once.service to fail", Duration.ofSeconds(20),
                    () -> unitState(c, "once.service").equals("failed"));
        }
        assertThat(lines(runs)).isEqualTo(1);
        assertThat(daemon.logText()).contains("once.service: main process").doesNotContain("scheduling restart");
    }

    @Test
    void stopTimeoutEscalatesToSigkillOfTheWholeCgroup() throws Exception {
        Path pids = daemon.work.resolve("pids");
        daemon.unit("stubborn.service", """
                [Service]
                ExecStart=/bin/bash -c 'trap "" TERM; (trap "" TERM; echo $$$$ >> %1$s; while :; do sleep 0.1; done) & echo $$$$ >> %1$s; while :; do sleep 0.1; done'
                TimeoutStopSec=1s
                """.formatted(pids), true);
        daemon.start();
        TollgatedProcess.await("two pids", Duration.ofSeconds(20), () -> lines(pids) >= 2);
        long t0 = System.nanoTime();
        assertThat(daemon.stop()).isZero();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(daemon.logText()).contains("stubborn.service: still running after TimeoutStopSec=1s, sending SIGKILL");
        for (String pid : Files.readAllLines(pids)) {
            assertThat(ProcessHandle.of(Long.parseLong(pid.trim())).map(ProcessHandle::isAlive).orElse(false))
                    .as("pid %s", pid).isFalse();
        }
        assertThat(ms).as("stop took %d ms", ms).isGreaterThanOrEqualTo(1000);
        assertThat(daemon.cgroupRoot).doesNotExist();
    }

    @Test
    void reloadChangesAnAddressListWhileTrafficFlowsAndKeepsCounters() throws Exception {
        try (Receiver allowed = new Receiver("127.0.0.1"); Receiver target = new Receiver("127.0.0.2")) {
            String flood = python("""
                    import socket,time
                    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                    while True:
                        s.sendto(b'a',('127.0.0.1',%d))
                        try: s.sendto(b'b',('127.0.0.2',%d))
                        except OSError: pass
                        time.sleep(0.005)
                    """.formatted(allowed.port(), target.port()));
            String unit = """
                    [Service]
                    IPAccounting=yes
                    IPAddressDeny=%s
                    ExecStart=%s
                    """;
            daemon.unit("flow.service", unit.formatted("127.0.0.2", flood), true);
            daemon.start();
            TollgatedProcess.await("allowed traffic", Duration.ofSeconds(20), () -> allowed.count.get() > 50);
            assertThat(target.count.get()).isZero();
            long before = daemon.pinnedCounters("flow.service", false).orElseThrow().egressPackets();
            assertThat(daemon.pinnedCounters("flow.service", false).orElseThrow().egressDroppedPackets()).isPositive();

            // A reload with nothing changed swaps nothing.
            int unchanged = daemon.logText().split("\n").length;
            daemon.signal("HUP");
            daemon.awaitLog("reload done: 0 unit(s) changed", unchanged, Duration.ofSeconds(20));

            daemon.unit("flow.service", unit.formatted("127.0.0.3", flood), true);
            int lines = daemon.logText().split("\n").length;
            daemon.signal("HUP");
            daemon.awaitLog("reload done: 1 unit(s) changed", lines, Duration.ofSeconds(20));
            TollgatedProcess.await("traffic to the address no longer denied", Duration.ofSeconds(10), () -> target.count.get() > 20);
            CounterSums after = daemon.pinnedCounters("flow.service", false).orElseThrow();
            assertThat(after.egressPackets()).as("counters carried on through the reload").isGreaterThan(before);
        }
    }

    @Test
    void aRunningServiceMissingFromTheStateFileIsTakenOverNotStartedTwice() throws Exception {
        Path starts = daemon.work.resolve("starts");
        daemon.unit("lone.service", """
                [Service]
                IPAccounting=yes
                ExecStart=/bin/bash -c 'echo $$$$ >> %s; exec sleep 3600'
                """.formatted(starts), true);
        daemon.start();
        TollgatedProcess.await("started", Duration.ofSeconds(20), () -> lines(starts) == 1);
        daemon.kill9();
        // As if the daemon died inside the state file's write window.
        Files.deleteIfExists(daemon.state.resolve("state.json"));
        daemon.start();
        long pid = Long.parseLong(Files.readAllLines(starts).getFirst().trim());
        try (ManagerClient c = client()) {
            // Without the state file the main pid is unknown (see ServiceRunner's take-over): the
            // unit is active with the running process as its one process.
            var u = c.getUnit("lone.service");
            assertThat(u.activeState().wireName()).isEqualTo("active");
            assertThat(u.pids()).as("the unit's processes after the take-over").containsExactly(Math.toIntExact(pid));
        }
        assertThat(lines(starts)).as("the service was not started a second time").isEqualTo(1);
        assertThat(daemon.logText()).contains("took over lone.service");
        assertThat(daemon.logText().lines().filter(l -> l.contains("started lone.service"))).as("starts in the log").hasSize(1);
        Path cg = daemon.unitCgroup("system.slice", "lone.service");
        assertThat(Files.readAllLines(cg.resolve("cgroup.procs"))).hasSize(1);
        // When its process ends, the unit ends with it.
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        TollgatedProcess.await("the unit to stop", Duration.ofSeconds(10), () -> !Files.exists(cg));
    }

    private ManagerClient client() throws IOException {
        return ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Await.SAFETY_NET));
    }

    private static String unitState(ManagerClient c, String unit) {
        try {
            return c.getUnit(unit).activeState().wireName();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
