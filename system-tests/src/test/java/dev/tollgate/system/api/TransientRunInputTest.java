package dev.tollgate.system.api;

import static dev.tollgate.system.api.Support.client;
import static dev.tollgate.system.api.Support.error;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Property;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * RunTransient with what a client sends that the unit text must not misread: the same name
 * asked for by several clients at once, and a description, property or slice holding a line
 * break of the unit file syntax (CR, NUL).
 */
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class TransientRunInputTest {
    private TollgatedProcess daemon;

    @BeforeAll
    void startDaemon() throws Exception {
        daemon = new TollgatedProcess().start();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        try (TollgatedProcess d = daemon) {
            assertThat(d.stop()).as("the daemon's exit status").isZero();
        }
    }

    /**
     * Regression (Manager.runTransient checked that the name was free, then made the unit, with
     * nothing between): clients racing for one name all got "started", each had its own text
     * written over the others', and the one unit ran one of their commands.
     */
    @Test
    void clientsRacingForOneNameGetOneUnitAndUnitExists() throws Exception {
        String unit = "rt-race-" + daemon.id + ".service";
        int clients = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int i = 0; i < clients; i++) {
                ManagerClient api = client(daemon);
                String marker = "client-" + i;
                Callable<String> run = () -> {
                    try (api) {
                        go.await();
                        api.runTransient(new RunTransientRequest(unit, null, marker, List.of(),
                                List.of("/bin/sleep", "3600"), null));
                        return marker;
                    } catch (VarlinkException e) {
                        return e.error().name();
                    }
                };
                outcomes.add(pool.submit(run));
            }
            go.countDown();
            List<String> results = new ArrayList<>();
            for (Future<String> f : outcomes) results.add(f.get());
            List<String> started = results.stream().filter(r -> r.startsWith("client-")).toList();
            assertThat(started).as("who started %s: %s", unit, results).hasSize(1);
            assertThat(results.stream().filter(r -> !r.startsWith("client-")).toList())
                    .as("the others").containsOnly(ManagerInterface.UNIT_EXISTS);
            try (ManagerClient api = client(daemon)) {
                assertThat(api.getUnit(unit).description()).as("the unit is the winner's").isEqualTo(started.getFirst());
            }
        } finally {
            try (ManagerClient api = client(daemon)) {
                api.stopUnit(unit);
            }
        }
    }

    /** The unit file syntax ends a line at CR and NUL too: neither may start a directive of its own. */
    @Test
    void lineBreaksInADescriptionOrPropertyStayInIt() throws Exception {
        Path proof = daemon.work.resolve("injected-" + daemon.id);
        String injected = "ExecStartPre=/bin/touch " + proof;
        try (ManagerClient api = client(daemon)) {
            RunTransientReply r = api.runTransient(new RunTransientRequest("rt-cr-" + daemon.id, null, "a\r" + injected,
                    List.of(new Property("Environment", "X=1\0" + injected)), List.of("/bin/true"), Boolean.TRUE));
            assertThat(r.exitStatus()).isZero();
            assertThat(proof).as("a line of the client's text ran as a directive").doesNotExist();
            assertThat(api.getUnit("rt-cr-" + daemon.id + ".service").description()).isEqualTo("a " + injected);

            String slice = "x.slice\r" + injected;
            assertThat(error(() -> api.runTransient(new RunTransientRequest("rt-slice-" + daemon.id, slice, null, List.of(),
                    List.of("/bin/true"), Boolean.TRUE))).name()).isEqualTo(ManagerInterface.UNIT_FAILED);
            assertThat(proof).doesNotExist();
            assertThat(Files.exists(proof)).isFalse();
        }
    }
}
