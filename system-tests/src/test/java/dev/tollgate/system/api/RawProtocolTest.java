package dev.tollgate.system.api;

import static dev.tollgate.system.api.RawVarlink.str;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The real daemon checked against the Varlink spec (varlink.org) with a client that owes
 * nothing to the varlink and api modules: {@link RawVarlink} writes JSON by hand on a plain SocketChannel
 * and reads NUL-framed replies with a stock JSON parser. Nothing here uses ManagerClient,
 * VarlinkClient, VarlinkCodec or the api records.
 */
@SuppressWarnings("try")
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600) // a hang guard only: every wait inside has its own safety net
class RawProtocolTest {
    private TollgatedProcess daemon;

    @BeforeAll
    void startDaemon() throws Exception {
        daemon = new TollgatedProcess();
        daemon.unit("raw.slice", "[Slice]\nIPAccounting=yes\n", false);
        daemon.unit("raw.service", "[Unit]\nDescription=raw protocol\n[Service]\nSlice=raw.slice\nIPAccounting=yes\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("up.service", "[Service]\nExecStart=/bin/sleep 3600\n", true);
        daemon.start();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        try (TollgatedProcess d = daemon) {
            assertThat(d.stop()).isZero();
        }
    }

    private RawVarlink connect() throws Exception {
        return new RawVarlink(daemon.socket);
    }

    /** See {@link Support#settle(long, String)}: step around a daemon bug that is not this class's subject. */
    private static void settle(RawVarlink c) throws Exception {
        JsonNode unit = c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"raw.service\"}}")
                .path("parameters").path("unit");
        Support.settle(unit.path("mainPID").asLong(), unit.path("controlGroup").asText());
    }

    @Test
    void aCallWithoutParametersOrWithNullParametersIsAnsweredWithOneNulTerminatedObject() throws Exception {
        try (RawVarlink c = connect()) {
            c.send("{\"method\":\"org.varlink.service.GetInfo\"}");
            String text = c.readText(Duration.ofSeconds(10));
            JsonNode r = RawVarlink.checkReply(text);
            assertThat(r.has("error")).isFalse();
            assertThat(r.path("continues").asBoolean(false)).isFalse();
            assertThat(r.get("parameters").path("vendor").asText()).isEqualTo("tollgate");

            JsonNode probe = c.call("{\"method\":\"io.tollgate.Manager.Probe\",\"parameters\":null}");
            assertThat(probe.has("error")).as("%s", probe).isFalse();
            assertThat(probe.get("parameters").path("kernel").isTextual()).isTrue();
        }
    }

    @Test
    void pipelinedCallsAreAnsweredInOrder() throws Exception {
        try (RawVarlink c = connect()) {
            String calls = "{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"up.service\"}}\0"
                    + "{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"nope.service\"}}\0"
                    + "{\"method\":\"io.tollgate.Manager.ListUnits\",\"parameters\":{\"types\":[\"slice\"],\"all\":true}}\0"
                    + "{\"method\":\"org.varlink.service.GetInfo\",\"oneway\":true}\0"
                    + "{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"raw.service\"}}\0";
            c.sendBytes(calls.getBytes(StandardCharsets.UTF_8));
            JsonNode a = c.read();
            JsonNode b = c.read();
            JsonNode l = c.read();
            JsonNode d = c.read();
            assertThat(a.path("parameters").path("unit").path("name").asText()).isEqualTo("up.service");
            assertThat(b.path("error").asText()).isEqualTo("io.tollgate.Manager.NoSuchUnit");
            assertThat(b.path("parameters").path("name").asText()).isEqualTo("nope.service");
            List<String> slices = new ArrayList<>();
            l.path("parameters").path("units").forEach(u -> slices.add(u.path("name").asText()));
            assertThat(slices).contains("raw.slice").allMatch(n -> n.endsWith(".slice"));
            assertThat(d.path("parameters").path("unit").path("name").asText()).as("the oneway call had no reply").isEqualTo("raw.service");
        }
    }

    @Test
    void aCallFollowedByTheEndOfInputIsStillAnswered() throws Exception {
        try (RawVarlink c = connect()) {
            c.send("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"up.service\"}}");
            c.shutdownOutput();
            assertThat(c.read().path("parameters").path("unit").path("activeState").asText()).isEqualTo("active");
            assertThat(c.closedByServer(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void moreOnAMethodThatDoesNotStreamGetsOneFinalReply() throws Exception {
        try (RawVarlink c = connect()) {
            JsonNode r = c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"up.service\"},\"more\":true}");
            assertThat(r.has("error")).isFalse();
            assertThat(r.path("continues").asBoolean(false)).isFalse();
            assertThat(c.call("{\"method\":\"org.varlink.service.GetInfo\"}").get("parameters").has("vendor")).isTrue();
        }
    }

    @Test
    void subscribeStreamsRepliesWithContinuesAndAStateChange() throws Exception {
        try (RawVarlink stream = connect(); RawVarlink control = connect()) {
            stream.send("{\"method\":\"io.tollgate.Manager.Subscribe\",\"parameters\":{\"units\":[\"raw.service\"],\"counterIntervalMs\":100},\"more\":true}");
            JsonNode snapshot = stream.read();
            assertThat(snapshot.path("continues").asBoolean()).isTrue();
            assertThat(snapshot.get("parameters").path("kind").asText()).isEqualTo("snapshot");
            assertThat(snapshot.get("parameters").path("changes").get(0).path("activeState").asText()).isEqualTo("inactive");

            JsonNode started = control.call("{\"method\":\"io.tollgate.Manager.StartUnit\",\"parameters\":{\"name\":\"raw.service\"}}");
            assertThat(started.get("parameters").path("activeState").asText()).isEqualTo("active");
            settle(control);
            boolean sawActive = false;
            int counters = 0;
            long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
            while ((!sawActive || counters < 3) && System.nanoTime() < deadline) {
                JsonNode r = stream.read();
                assertThat(r.path("continues").asBoolean()).as("every stream reply continues: %s", r).isTrue();
                JsonNode p = r.get("parameters");
                switch (p.path("kind").asText()) {
                    case "unitChange" -> {
                        for (JsonNode ch : p.path("changes")) {
                            if (ch.path("activeState").asText().equals("active")) sawActive = true;
                        }
                    }
                    case "counters" -> {
                        // Samples sent while StartUnit is still under way (a busy machine) have no
                        // counters of the unit yet; once it is active they have.
                        if (p.path("samples").isEmpty() && !sawActive) continue;
                        counters++;
                        assertThat(p.path("samples").get(0).path("name").asText()).as("%s", r).isEqualTo("raw.service");
                        assertThat(p.path("samples").get(0).path("counters").path("egressPackets").isIntegralNumber()).isTrue();
                    }
                    default -> throw new AssertionError("unexpected reply " + r);
                }
            }
            assertThat(sawActive).isTrue();
            assertThat(counters).isGreaterThanOrEqualTo(3);
            control.call("{\"method\":\"io.tollgate.Manager.StopUnit\",\"parameters\":{\"name\":\"raw.service\"}}");
        }
    }

    @Test
    void aWholeLifeCycleOverThePlainProtocol() throws Exception {
        try (RawVarlink c = connect()) {
            JsonNode start = c.call("{\"method\":\"io.tollgate.Manager.StartUnit\",\"parameters\":{\"name\":\"raw.service\"}}");
            assertThat(start.get("parameters").toString()).isEqualTo("{\"name\":\"raw.service\",\"activeState\":\"active\",\"subState\":\"running\"}");
            JsonNode unit = c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"raw.service\"}}").path("parameters").path("unit");
            assertThat(unit.path("description").asText()).isEqualTo("raw protocol");
            assertThat(unit.path("ipAccounting").asBoolean()).isTrue();
            assertThat(unit.path("mainPID").isIntegralNumber()).isTrue();
            assertThat(unit.path("counters").path("ingressBytes").isIntegralNumber()).isTrue();
            assertThat(unit.has("lastError")).as("a null optional field is left out, not sent as null").isFalse();
            settle(c);
            JsonNode counters = c.call("{\"method\":\"io.tollgate.Manager.GetCounters\",\"parameters\":{\"names\":[\"raw.service\",\"raw.slice\"]}}");
            assertThat(counters.path("parameters").path("samples").size()).isEqualTo(2);
            JsonNode stop = c.call("{\"method\":\"io.tollgate.Manager.StopUnit\",\"parameters\":{\"name\":\"raw.service\"}}");
            assertThat(stop.get("parameters").path("activeState").asText()).isEqualTo("inactive");
            long pid = unit.path("mainPID").asLong();
            TollgatedProcess.await("the process to end", Duration.ofSeconds(10), () -> !Support.alive(pid));
        }
    }

    @Test
    void unicodeAndEscapesSurviveTheRoundTripAndNeverBreakTheFraming() throws Exception {
        try (RawVarlink c = connect()) {
            String name = "ünï€𝄞-\"quoted\"\\.service";
            JsonNode r = c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":" + str(name) + "}}");
            assertThat(r.path("error").asText()).isEqualTo("io.tollgate.Manager.NoSuchUnit");
            assertThat(r.path("parameters").path("name").asText()).isEqualTo(name);

            JsonNode escaped = c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"\\u00fcp.service\"}}");
            assertThat(escaped.path("parameters").path("name").asText()).isEqualTo("üp.service");

            // A NUL inside a string is legal JSON (escaped); the reply must escape it too, or the framing breaks.
            c.send("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"a\\u0000b.service\"}}");
            String text = c.readText(Duration.ofSeconds(10));
            JsonNode withNul = RawVarlink.checkReply(text);
            assertThat(withNul.path("error").asText()).isIn("io.tollgate.Manager.NoSuchUnit", "io.tollgate.Manager.UnitFailed");
            assertThat(c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"up.service\"}}").has("error"))
                    .as("the next reply is framed right").isFalse();
        }
    }

    @Test
    void vendorExtensionKeysAreIgnored() throws Exception {
        try (RawVarlink c = connect()) {
            JsonNode r = c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"up.service\"},"
                    + "\"io.example.trace\":{\"span\":\"abc\",\"n\":[1,2,3]}}");
            assertThat(r.has("error")).as("%s", r).isFalse();
            assertThat(r.path("parameters").path("unit").path("name").asText()).isEqualTo("up.service");
        }
    }

    @Test
    void aMessageArrivingInManySmallPiecesIsOneCall() throws Exception {
        try (RawVarlink c = connect()) {
            byte[] call = "{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"up.service\"}}\0"
                    .getBytes(StandardCharsets.UTF_8);
            for (byte b : call) {
                c.sendBytes(new byte[] {b});
                Thread.sleep(2);
            }
            assertThat(c.read().path("parameters").path("unit").path("name").asText()).isEqualTo("up.service");
        }
    }

    @Test
    void errorRepliesCarryAnObjectOfParameters() throws Exception {
        try (RawVarlink c = connect()) {
            JsonNode expectedMore = c.call("{\"method\":\"io.tollgate.Manager.Subscribe\",\"parameters\":{}}");
            assertThat(expectedMore.path("error").asText()).isEqualTo("org.varlink.service.ExpectedMore");
            assertThat(expectedMore.get("parameters").isObject()).isTrue();
            JsonNode notFound = c.call("{\"method\":\"io.tollgate.Manager.Nope\"}");
            assertThat(notFound.path("error").asText()).isEqualTo("org.varlink.service.MethodNotFound");
            assertThat(notFound.get("parameters").path("method").asText()).isEqualTo("io.tollgate.Manager.Nope");
        }
    }
}
