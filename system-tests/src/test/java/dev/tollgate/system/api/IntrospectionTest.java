package dev.tollgate.system.api;

import static dev.tollgate.system.api.RawVarlink.str;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ManagerInterface;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.idl.InterfaceDescription;
import dev.tollgate.varlink.idl.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * org.varlink.service on the real daemon: GetInfo and GetInterfaceDescription read over a plain
 * socket, the descriptions parsed back with the varlink module's IDL parser, and then every reply
 * and error the daemon really gives checked against the description it published.
 */
@SuppressWarnings("try")
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600) // a hang guard only: every wait inside has its own safety net
class IntrospectionTest {
    private static final Set<String> METHODS = Set.of("ListUnits", "GetUnit", "GetUnits", "ListUnitFiles", "GetCounters", "StartUnit", "StopUnit",
            "RestartUnit", "Reload", "RunTransient", "EnableUnit", "DisableUnit", "GetUnitFile", "Probe", "GetMetrics", "GetSystemState",
            "Subscribe", "GetDrops", "WatchDrops");
    private static final Set<String> ERRORS = Set.of("NoSuchUnit", "PermissionDenied", "UnitFailed", "InvalidUnit",
            "UnitExists", "NotRunning", "ProtocolError", "TooManyConnections", "TooManyStreams", "DropEventsUnavailable",
            "InternalError");

    private TollgatedProcess daemon;
    private InterfaceDescription published;

    @BeforeAll
    void startDaemon() throws Exception {
        daemon = new TollgatedProcess();
        daemon.unit("intro.slice", "[Slice]\nIPAccounting=yes\n", false);
        daemon.unit("intro.service", """
                [Unit]
                Description=introspected
                [Service]
                Slice=intro.slice
                IPAccounting=yes
                IPAddressAllow=127.0.0.0/8
                IPAddressDeny=any
                ExecStart=/bin/sleep 3600
                [Install]
                WantedBy=multi-user.target
                """, false);
        daemon.unit("broken.service", "[Service]\nExecStart=/bin/\n", false);
        daemon.start();
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            JsonNode r = c.call("{\"method\":\"org.varlink.service.GetInterfaceDescription\",\"parameters\":{\"interface\":\"io.tollgate.Manager\"}}");
            published = InterfaceDescription.parse(r.path("parameters").path("description").asText());
        }
    }

    @AfterAll
    void stopDaemon() throws Exception {
        try (TollgatedProcess d = daemon) {
            assertThat(d.stop()).isZero();
        }
    }

    @Test
    void getInfoNamesTheServiceAndItsInterfaces() throws Exception {
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            JsonNode r = c.call("{\"method\":\"org.varlink.service.GetInfo\"}");
            assertThat(r.has("error")).isFalse();
            JsonNode p = r.get("parameters");
            assertThat(p.path("vendor").asText()).isEqualTo("tollgate");
            assertThat(p.path("product").asText()).isEqualTo("tollgated");
            assertThat(p.path("version").asText()).isNotBlank();
            assertThat(p.path("url").asText()).startsWith("https://");
            List<String> interfaces = new ArrayList<>();
            p.path("interfaces").forEach(i -> interfaces.add(i.asText()));
            assertThat(interfaces).containsExactlyInAnyOrder("org.varlink.service", "io.tollgate.Manager");
            // The reply fits org.varlink.service's own description, as the daemon publishes it.
            JsonNode d = c.call("{\"method\":\"org.varlink.service.GetInterfaceDescription\",\"parameters\":{\"interface\":\"org.varlink.service\"}}");
            InterfaceDescription service = InterfaceDescription.parse(d.path("parameters").path("description").asText());
            assertThat(service.name()).isEqualTo("org.varlink.service");
            assertThat(service.checkOutput("GetInfo", p)).isEmpty();
            assertThat(service.methods()).extracting(Member::name).contains("GetInfo", "GetInterfaceDescription");
            assertThat(service.errors()).extracting(Member::name)
                    .contains("InterfaceNotFound", "MethodNotFound", "MethodNotImplemented", "InvalidParameter");
        }
    }

    @Test
    void theManagersDescriptionParsesBackWhole() {
        assertThat(published.name()).isEqualTo("io.tollgate.Manager");
        assertThat(published.methods()).extracting(Member::name).containsExactlyInAnyOrderElementsOf(METHODS);
        assertThat(published.errors()).extracting(Member::name).containsExactlyInAnyOrderElementsOf(ERRORS);
        assertThat(published.types()).extracting(Member::name).contains("UnitInfo", "Counters", "CounterSample", "UnitChange",
                "Diagnostic", "ActiveState", "UnitType", "AttachMode");
        assertThat(published.method("Subscribe").orElseThrow().requiresMore()).isTrue();
        assertThat(published.systemdProblems()).as("what varlinkctl's parser would refuse").isEmpty();
        // The daemon publishes exactly the description the api module ships.
        assertThat(published.text()).isEqualTo(ManagerInterface.description().text());
        assertThat(published.doc()).contains("Changes (StartUnit, StopUnit");
    }

    /** Each call as a client would make it (a JSON text), with the replies it must get. */
    private Map<String, String> calls() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ListUnits", "{\"all\":true}");
        m.put("GetUnit", "{\"name\":\"intro.service\"}");
        m.put("GetUnits", "{\"names\":[\"intro.service\",\"nope.service\",\"intro.slice\"]}");
        m.put("ListUnitFiles", "{}");
        m.put("ListUnitFiles#filtered", "{\"patterns\":[\"intro*\"],\"states\":[\"disabled\",\"static\"]}");
        m.put("GetCounters", "{}");
        m.put("StartUnit", "{\"name\":\"intro.service\"}");
        m.put("GetUnit#running", "{\"name\":\"intro.service\"}");
        m.put("GetCounters#named", "{\"names\":[\"intro.service\",\"intro.slice\"]}");
        m.put("RestartUnit", "{\"name\":\"intro.service\"}");
        m.put("GetUnitFile", "{\"name\":\"intro.service\"}");
        m.put("EnableUnit", "{\"name\":\"intro.service\"}");
        m.put("DisableUnit", "{\"name\":\"intro.service\"}");
        m.put("StopUnit", "{\"name\":\"intro.service\"}");
        m.put("Reload", "{}");
        m.put("RunTransient", "{\"name\":\"intro-run\",\"command\":[\"/bin/true\"],\"properties\":[],\"wait\":true}");
        m.put("GetUnit#transient", "{\"name\":\"intro-run.service\"}");
        m.put("GetUnit#broken", "{\"name\":\"broken.service\"}");
        m.put("Probe", "{}");
        m.put("GetMetrics", "{}");
        m.put("GetSystemState", "{}");
        m.put("GetDrops", "{}");
        m.put("GetDrops#filtered", "{\"units\":[\"intro.service\"],\"since\":0}");
        return m;
    }

    @Test
    void everyReplyOfTheDaemonFitsThePublishedDescription() throws Exception {
        Set<String> covered = new java.util.HashSet<>();
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            for (var e : calls().entrySet()) {
                String method = e.getKey().replaceAll("#.*", "");
                JsonNode r = c.call("{\"method\":" + str("io.tollgate.Manager." + method) + ",\"parameters\":" + e.getValue() + "}");
                assertThat(r.has("error")).as("%s: %s", e.getKey(), r).isFalse();
                assertThat(published.checkOutput(method, r.get("parameters"))).as("%s reply %s", e.getKey(), r).isEmpty();
                assertThat(published.checkInput(method, RawVarlink.parse(e.getValue()))).as("%s call", e.getKey()).isEmpty();
                covered.add(method);
                if (method.equals("StartUnit") || method.equals("RestartUnit")) {
                    // See Support.settle: step around a daemon bug that is not this test's subject.
                    JsonNode u = c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"intro.service\"}}")
                            .path("parameters").path("unit");
                    Support.settle(u.path("mainPID").asLong(), u.path("controlGroup").asText());
                }
            }
            // Subscribe: the snapshot and a change.
            c.send("{\"method\":\"io.tollgate.Manager.Subscribe\",\"parameters\":{\"units\":[\"intro.service\"],\"counterIntervalMs\":100},\"more\":true}");
            for (int i = 0; i < 3; i++) {
                JsonNode r = c.read();
                assertThat(r.path("continues").asBoolean()).as("a stream reply continues").isTrue();
                assertThat(published.checkOutput("Subscribe", r.get("parameters"))).as("Subscribe reply %s", r).isEmpty();
            }
            covered.add("Subscribe");
        }
        // WatchDrops: the first reply (the kept events since 0) continues the stream.
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            c.send("{\"method\":\"io.tollgate.Manager.WatchDrops\",\"parameters\":{\"since\":0},\"more\":true}");
            JsonNode r = c.read();
            assertThat(r.path("continues").asBoolean()).as("a stream reply continues: %s", r).isTrue();
            assertThat(published.checkOutput("WatchDrops", r.get("parameters"))).as("WatchDrops reply %s", r).isEmpty();
            covered.add("WatchDrops");
        }
        assertThat(covered).containsExactlyInAnyOrderElementsOf(METHODS);
    }

    @Test
    void everyErrorOfTheDaemonFitsThePublishedDescription() throws Exception {
        Map<String, String> provoke = new LinkedHashMap<>();
        provoke.put("NoSuchUnit", "{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"nope.service\"}}");
        provoke.put("UnitFailed", "{\"method\":\"io.tollgate.Manager.EnableUnit\",\"parameters\":{\"name\":\"system.slice\"}}");
        provoke.put("InvalidUnit", "{\"method\":\"io.tollgate.Manager.StartUnit\",\"parameters\":{\"name\":\"broken.service\"}}");
        for (var e : provoke.entrySet()) {
            try (RawVarlink c = new RawVarlink(daemon.socket)) {
                JsonNode r = c.call(e.getValue());
                assertThat(r.path("error").asText()).as(e.getKey()).isEqualTo("io.tollgate.Manager." + e.getKey());
                assertThat(published.checkError(e.getKey(), r.get("parameters"))).as("%s: %s", e.getKey(), r).isEmpty();
            }
        }
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            c.send("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"x\"},\"bogus\":1}");
            JsonNode r = c.read();
            assertThat(r.path("error").asText()).isEqualTo(ManagerInterface.PROTOCOL_ERROR);
            assertThat(published.checkError("ProtocolError", r.get("parameters"))).isEmpty();
        }
    }
}
