package dev.tollgate.system.api;

import static dev.tollgate.system.api.Support.alive;
import static dev.tollgate.system.api.Support.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.CounterSample;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkClient;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Many clients at once on the real daemon: all answered, in bounded time, and the daemon serves on. */
@SuppressWarnings("try")
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600) // a hang guard only: every wait inside has its own safety net
class ConcurrencyTest {
    private static final int CLIENTS = 1000;
    private TollgatedProcess daemon;

    @BeforeAll
    void startDaemon() throws Exception {
        daemon = new TollgatedProcess();
        daemon.unit("busy.slice", "[Slice]\nIPAccounting=yes\n", false);
        for (int i = 0; i < 5; i++) {
            daemon.unit("busy-" + i + ".service", "[Service]\nSlice=busy.slice\nIPAccounting=yes\nExecStart=/bin/sleep 3600\n", true);
        }
        daemon.unit("once.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
        daemon.start();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        try (TollgatedProcess d = daemon) {
            assertThat(d.stop()).isZero();
        }
    }

    /** One of a few queries, chosen by the client's number, and what its reply must say. */
    private static void query(ManagerClient c, int i) throws IOException {
        switch (i % 5) {
            case 0 -> assertThat(c.getUnit("busy-" + (i % 3) + ".service").activeState()).isEqualTo(ActiveState.ACTIVE);
            case 1 -> assertThat(c.listUnits(null, null, true)).extracting(UnitInfo::name).contains("busy-4.service", "busy.slice");
            case 2 -> assertThat(c.getCounters(List.of("busy-1.service", "busy.slice"))).extracting(CounterSample::name)
                    .containsExactlyInAnyOrder("busy-1.service", "busy.slice");
            case 3 -> assertThat(c.getInfo().interfaces()).contains("io.tollgate.Manager");
            default -> assertThat(c.probe().kernel()).isNotBlank();
        }
    }

    /** The daemon's open files with no client connected, once it has settled after start. */
    private int idleFds;

    /** Connections of an earlier test close asynchronously in the daemon: wait for them to be gone. */
    @BeforeEach
    void quiet() throws Exception {
        if (idleFds == 0) {
            // Settled: the same count twice in a row.
            int[] last = {-1};
            TollgatedProcess.await("the daemon's open files to settle", Await.SAFETY_NET, () -> Support.check(() -> {
                int now = Support.fdCount(daemon.pid());
                boolean same = now == last[0];
                last[0] = now;
                return same;
            }));
            idleFds = last[0];
        }
        TollgatedProcess.await("the daemon's connections of earlier tests closed", Duration.ofSeconds(30),
                () -> Support.check(() -> Support.fdCount(daemon.pid()) <= idleFds + 5));
    }

    @Test
    void aThousandClientsConnectedAtOnceAreAllAnsweredAndTheDaemonServesOn() throws Exception {
        int fdsBefore = Support.fdCount(daemon.pid());
        int threadsBefore = Support.threadCount(daemon.pid());
        long t0 = System.nanoTime(); // printed only
        List<ManagerClient> clients = Collections.synchronizedList(new ArrayList<>());
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        assertTimeoutPreemptively(Duration.ofMinutes(5), () -> { // a hang guard only
            CountDownLatch connected = new CountDownLatch(CLIENTS);
            CountDownLatch go = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> all = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    int n = i;
                    all.add(pool.submit(() -> {
                        try {
                            ManagerClient c = ManagerClient.connect(daemon.socket,
                                    VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(90)));
                            clients.add(c);
                            connected.countDown();
                            go.await();
                            query(c, n);
                            query(c, n + 1); // and a second call on the same connection
                        } catch (Throwable e) {
                            connected.countDown();
                            failures.add(e);
                        }
                        return null;
                    }));
                }
                connected.await();
                // Every client holds an open connection now; the daemon serves them all at once.
                assertThat(clients).hasSize(CLIENTS);
                go.countDown();
                for (Future<?> f : all) f.get();
            }
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("%d concurrent clients, 2 calls each: %d ms%n", CLIENTS, ms);
        assertThat(failures).as("client failures").isEmpty();
        assertThat(Support.fdCount(daemon.pid())).as("the daemon holds a connection per client")
                .isGreaterThanOrEqualTo(fdsBefore + CLIENTS - 10);
        for (ManagerClient c : clients) c.close();

        // The connections are gone on the daemon's side too, and it still answers.
        TollgatedProcess.await("the daemon to close 1000 connections", Duration.ofSeconds(30),
                () -> Support.check(() -> Support.fdCount(daemon.pid()) <= fdsBefore + 5));
        try (ManagerClient c = client(daemon)) {
            for (int i = 0; i < 5; i++) query(c, i);
        }
        TollgatedProcess.await("the daemon's threads back", Duration.ofSeconds(30),
                () -> Support.check(() -> Support.threadCount(daemon.pid()) <= threadsBefore + 5));
        assertThat(daemon.logText()).doesNotContain("turned away", "reader failed", "InternalError");
    }

    @Test
    void aHundredConcurrentStartsOfOneUnitStartItOnce() throws Exception {
        List<UnitStateReply> replies = Collections.synchronizedList(new ArrayList<>());
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) {
                pool.submit(() -> {
                    try (ManagerClient c = client(daemon)) {
                        go.await();
                        replies.add(c.startUnit("once.service"));
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                    return null;
                });
            }
            go.countDown();
        }
        assertThat(failures).isEmpty();
        assertThat(replies).hasSize(100).allSatisfy(r -> assertThat(r.activeState()).isEqualTo(ActiveState.ACTIVE));
        try (ManagerClient c = client(daemon)) {
            UnitInfo u = c.getUnit("once.service");
            long pid = u.mainPID();
            TollgatedProcess.await("the process in its cgroup", Duration.ofSeconds(5),
                    () -> Support.check(() -> Support.procsBelow(Support.cgroupDir(u.controlGroup())).equals(List.of(pid))));
            // Every StartUnit has answered, so a second start would have been logged by now.
            assertThat(Support.procsBelow(Support.cgroupDir(u.controlGroup()))).as("one process, started once").containsExactly(pid);
            assertThat(daemon.logText().split("started once.service", -1)).as("log lines 'started once.service'").hasSize(2);

            // And 100 concurrent stops stop it once, leaving nothing behind.
            Set<String> states = Collections.synchronizedSet(new HashSet<>());
            CountDownLatch stop = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 100; i++) {
                    pool.submit(() -> {
                        try (ManagerClient s = client(daemon)) {
                            stop.await();
                            states.add(s.stopUnit("once.service").activeState().wireName());
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                        return null;
                    });
                }
                stop.countDown();
            }
            assertThat(failures).isEmpty();
            assertThat(states).containsExactly("inactive");
            TollgatedProcess.await("the process to end", Duration.ofSeconds(10), () -> !alive(pid));
            assertThat(Support.procsBelow(Support.cgroupDir(u.controlGroup()))).isEmpty();
            assertThat(c.getUnit("once.service").activeState()).isEqualTo(ActiveState.INACTIVE);
        }
    }

    @Test
    void theConnectionLimitTurnsAwayOneMoreClientWithTooManyConnections() throws Exception {
        int max = 4096; // ServerLimits.defaults(), as systemd's
        List<SocketChannel> held = new ArrayList<>();
        try {
            assertTimeoutPreemptively(Duration.ofMinutes(5), () -> { // a hang guard only
                for (int i = 0; i < max; i++) held.add(SocketChannel.open(UnixDomainSocketAddress.of(daemon.socket)));
                // Connections are accepted in order: once the last one answers, all are counted.
                try (RawVarlink last = new RawVarlink(daemon.socket)) {
                    JsonNode r = last.call("{\"method\":\"org.varlink.service.GetInfo\"}");
                    assertThat(r.path("error").asText()).as("connection %d", max + 1).isEqualTo("io.tollgate.Manager.TooManyConnections");
                    assertThat(r.path("parameters").path("max").asInt()).isEqualTo(max);
                    assertThat(last.closedByServer(Duration.ofSeconds(10))).isTrue();
                }
                // The held ones are served: the first and the last.
                for (SocketChannel ch : List.of(held.getFirst(), held.getLast())) {
                    ch.write(ByteBuffer.wrap("{\"method\":\"org.varlink.service.GetInfo\"}\0".getBytes(StandardCharsets.UTF_8)));
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    while (b.position() == 0 || b.get(b.position() - 1) != 0) ch.read(b);
                    assertThat(new String(b.array(), 0, b.position() - 1, StandardCharsets.UTF_8)).contains("\"vendor\":\"tollgate\"");
                }
                // One goes, another may come.
                held.removeFirst().close();
                TollgatedProcess.await("a free connection slot", Duration.ofSeconds(10), () -> Support.check(() -> {
                    try (RawVarlink again = new RawVarlink(daemon.socket)) {
                        return !again.call("{\"method\":\"org.varlink.service.GetInfo\"}").has("error");
                    }
                }));
            });
        } finally {
            for (SocketChannel ch : held) ch.close();
        }
        TollgatedProcess.await("every connection closed", Duration.ofSeconds(30), () -> Support.check(() -> {
            try (RawVarlink c = new RawVarlink(daemon.socket)) {
                return !c.call("{\"method\":\"org.varlink.service.GetInfo\"}").has("error");
            }
        }));
        try (ManagerClient c = client(daemon)) {
            query(c, 0);
        }
    }
}
