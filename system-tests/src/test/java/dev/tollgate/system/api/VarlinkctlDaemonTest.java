package dev.tollgate.system.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.Varlinkctl;
import dev.tollgate.testkit.Varlinkctl.Run;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * systemd's varlinkctl (257, from a Debian trixie root where the host has none: see
 * {@link Varlinkctl}) against the real tollgated: what a user of systemd's tools sees of our
 * Varlink API, each a command they would type.
 */
@SuppressWarnings("try")
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VarlinkctlDaemonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("ListUnits", "GetUnit", "GetCounters", "StartUnit", "StopUnit",
            "RestartUnit", "Reload", "RunTransient", "EnableUnit", "DisableUnit", "GetUnitFile", "Probe", "GetMetrics", "GetSystemState",
            "Subscribe", "GetDrops", "WatchDrops");

    private TollgatedProcess daemon;
    private Varlinkctl varlinkctl;
    private Path socket;

    /**
     * varlinkctl first, then the daemon, once for the class. Per test rather than in a
     * BeforeAll, because Surefire does not report a test class whose BeforeAll skipped it, and
     * scripts/test-summary must see the skip.
     */
    @BeforeEach
    void varlinkctlAndDaemon() throws Exception {
        varlinkctl = Varlinkctl.require();
        if (daemon == null) {
            System.out.println("VarlinkctlDaemonTest: " + varlinkctl);
            daemon = new TollgatedProcess();
            daemon.unit("vctl.service", "[Unit]\nDescription=seen by varlinkctl\n[Service]\nExecStart=/bin/sleep 3600\n", false);
            daemon.unit("vctl-streamed.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
            daemon.start();
            socket = daemon.socket;
        }
        assertThat(daemon.alive()).as("tollgated is running").isTrue();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (daemon == null) return;
        try (TollgatedProcess d = daemon) {
            assertThat(d.stop()).isZero();
        }
    }

    private Run ok(Object... args) throws Exception {
        Run r = varlinkctl.run(args);
        assertThat(r.exit()).as(r.describe()).isZero();
        return r;
    }

    private Run refused(Object... args) throws Exception {
        Run r = varlinkctl.run(args);
        assertThat(r.exit()).as(r.describe()).isNotZero();
        return r;
    }

    @Test
    void infoNamesTheDaemonAndItsInterfaces() throws Exception {
        Run info = ok("info", socket);
        assertThat(info.out()).containsPattern("Vendor: +tollgate").containsPattern("Product: +tollgated")
                .contains("io.tollgate.Manager").contains("org.varlink.service");

        Run json = ok("info", "-j", socket);
        JsonNode i = JSON.readTree(json.out());
        assertThat(i.path("product").asText()).isEqualTo("tollgated");
        assertThat(i.path("url").asText()).startsWith("https://");

        Run interfaces = ok("list-interfaces", socket);
        assertThat(interfaces.out().lines().map(String::strip).toList()).containsExactlyInAnyOrder("org.varlink.service", "io.tollgate.Manager");
    }

    @Test
    void introspectionPassesSystemdsValidator() throws Exception {
        Run manager = ok("introspect", socket, ManagerInterface.INTERFACE);
        assertThat(manager.out()).contains("interface io.tollgate.Manager").contains("error NoSuchUnit");
        for (String m : METHODS) assertThat(manager.out()).contains("method " + m + "(");

        // What the daemon serves, as varlinkctl printed it and as it is on the wire, passes
        // systemd's IDL validator.
        Path printed = daemon.work.resolve("printed.varlink");
        Files.writeString(printed, manager.out());
        ok("validate-idl", printed);
        Path served = daemon.work.resolve("served.varlink");
        JsonNode description = JSON.readTree(ok("call", socket, "org.varlink.service.GetInterfaceDescription",
                "{\"interface\":\"io.tollgate.Manager\"}").out());
        Files.writeString(served, description.path("description").asText());
        assertThat(Files.readString(served)).isEqualTo(ManagerInterface.description().text());
        ok("validate-idl", served);

        Path service = daemon.work.resolve("org.varlink.service.varlink");
        Files.writeString(service, ok("introspect", socket, "org.varlink.service").out());
        ok("validate-idl", service);

        Run unknown = refused("introspect", socket, "io.tollgate.Nothing");
        assertThat(unknown.err()).contains("org.varlink.service.InterfaceNotFound");
    }

    @Test
    void callsGetTheirRepliesAndErrors() throws Exception {
        JsonNode unit = JSON.readTree(ok("call", socket, "io.tollgate.Manager.GetUnit", "{\"name\":\"vctl.service\"}").out()).path("unit");
        assertThat(unit.path("name").asText()).isEqualTo("vctl.service");
        assertThat(unit.path("description").asText()).isEqualTo("seen by varlinkctl");
        assertThat(unit.path("loadState").asText()).isEqualTo("loaded");

        JsonNode units = JSON.readTree(ok("call", "-j", socket, "io.tollgate.Manager.ListUnits", "{\"all\":true}").out()).path("units");
        List<String> names = new ArrayList<>();
        units.forEach(u -> names.add(u.path("name").asText()));
        assertThat(names).contains("vctl.service", "vctl-streamed.service");

        // The daemon started (TollgatedProcess waits for "tollgated is running"): its boot is over, and no unit failed.
        assertThat(JSON.readTree(ok("call", socket, "io.tollgate.Manager.GetSystemState", "{}").out()).path("state").asText())
                .isEqualTo("running");

        Run missing = refused("call", socket, "io.tollgate.Manager.GetUnit", "{\"name\":\"no-such-vctl.service\"}");
        assertThat(missing.err() + missing.out()).contains("io.tollgate.Manager.NoSuchUnit");

        Run badType = refused("call", socket, "io.tollgate.Manager.GetUnit", "{\"name\":7}");
        assertThat(badType.err() + badType.out()).contains("org.varlink.service.InvalidParameter");

        Run noMethod = refused("call", socket, "io.tollgate.Manager.NoSuchMethod", "{}");
        assertThat(noMethod.err() + noMethod.out()).contains("org.varlink.service.MethodNotFound");

        // Subscribe requires 'more': without --more the daemon refuses it.
        Run needsMore = refused("call", socket, "io.tollgate.Manager.Subscribe", "{}");
        assertThat(needsMore.err() + needsMore.out()).contains("ExpectedMore");
    }

    /**
     * {@code call --more} streams Subscribe's replies as they come; a {@code --oneway} StartUnit
     * (no reply) shows up in that stream as the unit becoming active.
     */
    @Test
    void moreStreamsSubscribeAndOnewayStartsAUnit() throws Exception {
        Process stream = varlinkctl.start("call", "--more", "-j", socket, "io.tollgate.Manager.Subscribe",
                "{\"units\":[\"vctl-streamed.service\"]}");
        try {
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l);
                } catch (Exception e) {
                    lines.add("read failed: " + e);
                }
                lines.add("end of stream");
            });
            JsonNode snapshot = next(lines, r -> true);
            assertThat(snapshot.path("kind").asText()).isEqualTo("snapshot");
            assertThat(snapshot.path("changes").get(0).path("name").asText()).isEqualTo("vctl-streamed.service");
            assertThat(snapshot.path("changes").get(0).path("activeState").asText()).isEqualTo("inactive");

            Run oneway = ok("call", "--oneway", socket, "io.tollgate.Manager.StartUnit", "{\"name\":\"vctl-streamed.service\"}");
            assertThat(oneway.out()).isEmpty();
            JsonNode started = next(lines, r -> r.path("kind").asText().equals("unitChange")
                    && r.path("changes").findValuesAsText("activeState").contains("active"));
            assertThat(started.path("changes").findValuesAsText("name")).containsOnly("vctl-streamed.service");
            assertThat(stream.isAlive()).as("the stream goes on").isTrue();
        } finally {
            stream.destroy();
            stream.waitFor();
        }
        try (ManagerClient c = Support.client(daemon)) {
            Support.settle(c, "vctl-streamed.service");
        }
        JsonNode stopped = JSON.readTree(ok("call", socket, "io.tollgate.Manager.StopUnit", "{\"name\":\"vctl-streamed.service\"}").out());
        assertThat(stopped.path("activeState").asText()).isEqualTo("inactive");
    }

    /** The next reply of the stream that matches, skipping others; a generous guard against a hang. */
    private static JsonNode next(LinkedBlockingQueue<String> lines, Predicate<JsonNode> wanted) throws Exception {
        while (true) {
            String line = lines.poll(2, TimeUnit.MINUTES);
            if (line == null) fail("varlinkctl's stream gave no reply");
            String json = line.replace("\u001e", "").strip();
            if (json.isEmpty()) continue;
            if (!json.startsWith("{")) fail("varlinkctl's stream: " + line);
            JsonNode reply = JSON.readTree(json);
            if (wanted.test(reply)) return reply;
        }
    }
}
