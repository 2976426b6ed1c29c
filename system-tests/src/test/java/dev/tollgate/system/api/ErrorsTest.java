package dev.tollgate.system.api;

import static dev.tollgate.system.api.Support.client;
import static dev.tollgate.system.api.Support.error;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.Diagnostic;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Severity;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.OrgVarlinkService;
import dev.tollgate.varlink.VarlinkError;
import dev.tollgate.varlink.idl.InterfaceDescription;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every error of io.tollgate.Manager and the standard org.varlink.service ones, provoked on the
 * real daemon: the name, the parameters (checked against the interface description), that the
 * connection still serves the next call, and that nothing changed.
 */
@SuppressWarnings("try")
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600) // a hang guard only: every wait inside has its own safety net
class ErrorsTest {
    private static final InterfaceDescription IDL = ManagerInterface.description();
    private TollgatedProcess daemon;
    private ManagerClient api;

    @BeforeAll
    void startDaemon() throws Exception {
        daemon = new TollgatedProcess();
        daemon.unit("fine.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("exits.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n", false);
        daemon.unit("noexec.service", "[Service]\nType=oneshot\nExecStart=/nonexistent/tollgate-test-binary\n", false);
        daemon.unit("nodir.service", "[Service]\nWorkingDirectory=/nonexistent/dir\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("broken.service", """
                [Unit]
                Description=broken on line 4
                [Service]
                ExecStart=/usr/bin/
                """, false);
        daemon.unit("broken2.service", "[Service]\nExecStart=/usr/bin/\n", false);
        daemon.start();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        try (TollgatedProcess d = daemon) {
            assertThat(d.stop()).isZero();
        }
    }

    @BeforeEach
    void connect() throws Exception {
        api = client(daemon);
    }

    @AfterEach
    void healthyAfterwards() throws Exception {
        // The same connection serves the next call: an error reply is no protocol error.
        assertThat(api.getUnit("fine.service").name()).isEqualTo("fine.service");
        api.close();
    }

    private static void fitsTheIdl(VarlinkError e) {
        assertThat(e.interfaceName()).isEqualTo(ManagerInterface.INTERFACE);
        assertThat(IDL.error(e.memberName())).as("%s is declared", e.name()).isPresent();
        assertThat(IDL.checkError(e.memberName(), e.parameters())).as("parameters of %s", e).isEmpty();
    }

    @Test
    void noSuchUnitFromEveryMethodThatTakesAName() throws Exception {
        String nope = "no-such-unit-here.service";
        Map<String, Support.Call> calls = new LinkedHashMap<>();
        calls.put("GetUnit", () -> api.getUnit(nope));
        calls.put("GetCounters", () -> api.getCounters(List.of("fine.service", nope)));
        calls.put("StartUnit", () -> api.startUnit(nope));
        calls.put("StopUnit", () -> api.stopUnit(nope));
        calls.put("RestartUnit", () -> api.restartUnit(nope));
        calls.put("EnableUnit", () -> api.enableUnit(nope));
        calls.put("GetUnitFile", () -> api.getUnitFile(nope));
        for (var c : calls.entrySet()) {
            VarlinkError e = error(c.getValue());
            assertThat(e.name()).as(c.getKey()).isEqualTo(ManagerInterface.NO_SUCH_UNIT);
            assertThat(ManagerError.from(e)).as(c.getKey()).contains(new ManagerError.NoSuchUnit(nope));
            fitsTheIdl(e);
        }
        assertThat(api.listUnits(null, null, true)).extracting(UnitInfo::name).as("nothing was loaded on the way")
                .doesNotContain(nope);
    }

    /**
     * Regression (was a daemon bug, Manager.disable): DisableUnit of a name that is neither loaded nor has a unit
     * file answers an empty change list instead of NoSuchUnit (systemctl disable says "Unit file
     * X does not exist"); a typo goes unnoticed.
     */
    @Test
    void disableOfAnUnknownUnitIsNoSuchUnit() throws Exception {
        VarlinkError e = error(() -> api.disableUnit("no-such-unit-here.service"));
        assertThat(e.name()).isEqualTo(ManagerInterface.NO_SUCH_UNIT);
    }

    @Test
    void unitFailedWhenTheCommandFailsOrCannotRun() throws Exception {
        for (String unit : List.of("exits.service", "noexec.service", "nodir.service")) {
            VarlinkError e = error(() -> api.startUnit(unit));
            assertThat(e.name()).as(unit).isEqualTo(ManagerInterface.UNIT_FAILED);
            fitsTheIdl(e);
            ManagerError.UnitFailed f = (ManagerError.UnitFailed) ManagerError.from(e).orElseThrow();
            assertThat(f.name()).isEqualTo(unit);
            assertThat(f.reason()).isNotBlank();
            UnitInfo u = api.getUnit(unit);
            assertThat(u.activeState()).as(unit).isEqualTo(ActiveState.FAILED);
            assertThat(u.result()).as(unit).isIn("exit-code", "resources");
            assertThat(u.lastError()).as(unit).isNotBlank();
            assertThat(u.pids()).as(unit).isEmpty();
        }
        assertThat(api.getUnit("exits.service").result()).isEqualTo("exit-code");
        assertThat(api.getUnit("nodir.service").result()).isEqualTo("exit-code"); // 200/CHDIR, as systemd
    }

    /**
     * Regression (was a daemon bug, ServiceRunner.start / ManagerApi.translate, UNIT_FAILED): the IDL says
     * UnitFailed's reason "is its Result= (exit-code, signal, timeout, resources, ...), or what
     * went wrong before it could run", so that a client can tell the cases apart; for a command
     * that ran and exited 1 the daemon sends the sentence "Job for exits.service failed: ...".
     */
    @Test
    void unitFailedReasonIsTheResultWhenTheCommandRan() throws Exception {
        ManagerError.UnitFailed f = (ManagerError.UnitFailed) ManagerError.from(error(() -> api.startUnit("exits.service"))).orElseThrow();
        assertThat(f.reason()).isEqualTo("exit-code");
    }

    /**
     * Regression (was a daemon bug, ManagerApi.translate, INVALID_UNIT): InvalidUnit carries a single Diagnostic
     * with only a message; file, line, section and directive are null although the loader's
     * LoadResult.Failed has them (units.UnitFileDiagnostic). Fix: carry the load
     * diagnostics in ManagerException (or look the unit's LoadResult up) and map each with
     * ManagerApi.diagnostic(...).
     */
    @Test
    void invalidUnitNamesFileLineSectionAndDirective() throws Exception {
        VarlinkError e = error(() -> api.startUnit("broken.service"));
        assertThat(e.name()).isEqualTo(ManagerInterface.INVALID_UNIT);
        fitsTheIdl(e);
        ManagerError.InvalidUnit invalid = (ManagerError.InvalidUnit) ManagerError.from(e).orElseThrow();
        assertThat(invalid.name()).isEqualTo("broken.service");
        assertThat(invalid.diagnostics()).isNotEmpty();
        assertThat(invalid.diagnostics()).anySatisfy(d -> assertThat(d.message()).contains("/usr/bin/"));
        Diagnostic d = invalid.diagnostics().stream().filter(x -> x.severity() == Severity.ERROR).findFirst().orElseThrow();
        assertThat(d.file()).isEqualTo(daemon.units.resolve("broken.service").toString());
        assertThat(d.line()).isEqualTo(4);
        assertThat(d.section()).isEqualTo("Service");
        assertThat(d.directive()).isEqualTo("ExecStart");
    }

    /**
     * Regression (was a daemon bug, Manager.loadedService, {@code units.remove(n, u)} when {@code u.config == null}):
     * a StartUnit of a unit whose file has a bad setting drops the unit from the registry, so
     * right after InvalidUnit, GetUnit answers NoSuchUnit (whose IDL says "there is no unit file
     * of that name", yet there is one) and ListUnits no longer shows the bad-setting unit
     * (systemctl keeps listing it). Only a name that was not loaded before the call and is
     * not-found should be forgotten.
     */
    @Test
    void aUnitWithABadSettingStaysLoadedAfterAFailedStart() throws Exception {
        UnitInfo before = api.getUnit("broken2.service");
        assertThat(before.loadState()).isEqualTo("bad-setting");
        assertThat(before.lastError()).contains("ExecStart");
        assertThat(error(() -> api.startUnit("broken2.service")).name()).isEqualTo(ManagerInterface.INVALID_UNIT);
        UnitInfo after = api.getUnit("broken2.service");
        assertThat(after.loadState()).isEqualTo("bad-setting");
        assertThat(api.listUnits(null, List.of("bad-setting"), true)).extracting(UnitInfo::name).contains("broken2.service");
    }

    /**
     * Regression (was a daemon bug, Manager.runTransient, "already exists"): the IDL has UnitExists for "RunTransient
     * was given the name of a unit that is already loaded"; the daemon throws BAD_REQUEST, which
     * ManagerApi.translate turns into UnitFailed.
     */
    @Test
    void runTransientWithTheNameOfALoadedUnitIsUnitExists() throws Exception {
        VarlinkError e = error(() -> api.runTransient(new RunTransientRequest("fine", null, null, List.of(), List.of("/bin/true"), true)));
        assertThat(e.name()).isEqualTo(ManagerInterface.UNIT_EXISTS);
        assertThat(ManagerError.from(e)).contains(new ManagerError.UnitExists("fine.service"));
    }

    @Test
    void runTransientWithTheNameOfALoadedUnitChangesNothing() throws Exception {
        error(() -> api.runTransient(new RunTransientRequest("fine", null, null, List.of(), List.of("/bin/true"), true)));
        UnitInfo fine = api.getUnit("fine.service");
        assertThat(fine.unitFileState()).isNotEqualTo("transient");
        assertThat(fine.activeState()).isEqualTo(ActiveState.INACTIVE);
    }

    @Test
    void methodNotFoundAndInterfaceNotFound() throws Exception {
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            JsonNode m = c.call("{\"method\":\"io.tollgate.Manager.Frobnicate\",\"parameters\":{}}");
            assertThat(m.path("error").asText()).isEqualTo(OrgVarlinkService.METHOD_NOT_FOUND);
            assertThat(m.path("parameters").path("method").asText()).isEqualTo("io.tollgate.Manager.Frobnicate");

            JsonNode lower = c.call("{\"method\":\"io.tollgate.Manager.getUnit\",\"parameters\":{\"name\":\"fine.service\"}}");
            assertThat(lower.path("error").asText()).as("method names are case-sensitive").isEqualTo(OrgVarlinkService.METHOD_NOT_FOUND);

            JsonNode i = c.call("{\"method\":\"org.example.Nope.Call\",\"parameters\":{}}");
            assertThat(i.path("error").asText()).isEqualTo(OrgVarlinkService.INTERFACE_NOT_FOUND);
            assertThat(i.path("parameters").path("interface").asText()).isEqualTo("org.example.Nope");

            JsonNode d = c.call("{\"method\":\"org.varlink.service.GetInterfaceDescription\",\"parameters\":{\"interface\":\"org.example.Nope\"}}");
            assertThat(d.path("error").asText()).isEqualTo(OrgVarlinkService.INTERFACE_NOT_FOUND);
            assertThat(d.path("parameters").path("interface").asText()).isEqualTo("org.example.Nope");

            JsonNode s = c.call("{\"method\":\"org.varlink.service.Frobnicate\"}");
            assertThat(s.path("error").asText()).isEqualTo(OrgVarlinkService.METHOD_NOT_FOUND);

            // The connection carries on.
            assertThat(c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"fine.service\"}}").has("error")).isFalse();
        }
    }

    @Test
    void invalidParameterNamesTheField() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":42}}", "name");
        cases.put("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":null}}", "name");
        cases.put("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":[\"fine.service\"]}}", "name");
        cases.put("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{}}", "name");
        cases.put("{\"method\":\"io.tollgate.Manager.GetUnit\"}", "name");
        cases.put("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"fine.service\",\"extra\":1}}", "extra");
        cases.put("{\"method\":\"io.tollgate.Manager.ListUnits\",\"parameters\":{\"types\":[\"bogus\"]}}", "types");
        cases.put("{\"method\":\"io.tollgate.Manager.ListUnits\",\"parameters\":{\"all\":\"yes\"}}", "all");
        cases.put("{\"method\":\"io.tollgate.Manager.ListUnits\",\"parameters\":{\"states\":\"active\"}}", "states");
        cases.put("{\"method\":\"io.tollgate.Manager.GetCounters\",\"parameters\":{\"names\":[1,2]}}", "names");
        cases.put("{\"method\":\"io.tollgate.Manager.StartUnit\",\"parameters\":{\"name\":{\"x\":1}}}", "name");
        cases.put("{\"method\":\"io.tollgate.Manager.StopUnit\",\"parameters\":{\"name\":true}}", "name");
        cases.put("{\"method\":\"io.tollgate.Manager.RunTransient\",\"parameters\":{\"command\":\"/bin/true\"}}", "command");
        cases.put("{\"method\":\"io.tollgate.Manager.RunTransient\",\"parameters\":{\"command\":[\"/bin/true\"],\"wait\":1}}", "wait");
        cases.put("{\"method\":\"io.tollgate.Manager.RunTransient\",\"parameters\":{\"command\":[\"/bin/true\"],\"properties\":[{\"name\":\"A\"}]}}", "properties");
        cases.put("{\"method\":\"io.tollgate.Manager.Subscribe\",\"parameters\":{\"counterIntervalMs\":\"fast\"},\"more\":true}", "counterIntervalMs");
        cases.put("{\"method\":\"io.tollgate.Manager.Subscribe\",\"parameters\":{\"counterIntervalMs\":1.5},\"more\":true}", "counterIntervalMs");
        cases.put("{\"method\":\"io.tollgate.Manager.GetCounters\",\"parameters\":{\"names\":[\"a\"],\"names2\":[]}}", "names2");
        cases.put("{\"method\":\"io.tollgate.Manager.Subscribe\",\"parameters\":{\"counterIntervalMs\":99999999999999999999},\"more\":true}", "counterIntervalMs");
        cases.put("{\"method\":\"org.varlink.service.GetInterfaceDescription\",\"parameters\":{}}", "interface");
        cases.put("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"fine.service\"},\"upgrade\":true}", "upgrade");
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            for (var e : cases.entrySet()) {
                JsonNode r = c.call(e.getKey());
                assertThat(r.path("error").asText()).as(e.getKey()).isEqualTo(OrgVarlinkService.INVALID_PARAMETER);
                assertThat(r.path("parameters").path("parameter").asText()).as(e.getKey()).isEqualTo(e.getValue());
            }
            assertThat(c.call("{\"method\":\"io.tollgate.Manager.GetUnit\",\"parameters\":{\"name\":\"fine.service\"}}").has("error")).isFalse();
        }
        assertThat(api.getUnit("fine.service").activeState()).as("no StartUnit got through").isEqualTo(ActiveState.INACTIVE);
        assertThat(api.listUnits(null, null, true)).extracting(UnitInfo::unitFileState).doesNotContain("transient");
    }

    @Test
    void subscribeWithoutMoreIsExpectedMore() throws Exception {
        try (RawVarlink c = new RawVarlink(daemon.socket)) {
            JsonNode r = c.call("{\"method\":\"io.tollgate.Manager.Subscribe\",\"parameters\":{}}");
            assertThat(r.path("error").asText()).isEqualTo(OrgVarlinkService.EXPECTED_MORE);
            assertThat(c.call("{\"method\":\"io.tollgate.Manager.Probe\"}").has("error")).isFalse();
        }
    }
}
