package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import dev.tollgate.api.SystemState;
import dev.tollgate.api.UnitInfo;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every verb against a stand-in daemon, in process: output, stderr and exit codes. */
class TollctlTest {
    private static FakeManager daemon;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        daemon = new FakeManager();
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Tollctl.run(args, o, e, env);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result run(String... args) {
        return run(Map.of(Tollctl.SOCKET_ENV, daemon.socket.toString()), args);
    }

    @Test
    void showAPropertyAndItsValue() {
        assertThat(run("show", "-p", "IPIngressBytes", "web")).isEqualTo(new Result(0, "IPIngressBytes=1280\n", ""));
        assertThat(run("show", "-p", "IPEgressBytes,MainPID", "--value", "web.service", "idle"))
                .isEqualTo(new Result(0, "1234\n3565568\n\n0\n[no data]\n", ""));
    }

    @Test
    void showOfAnUnknownUnitIsNotFoundAsInSystemctl() {
        assertThat(run("show", "-p", "LoadState,ActiveState", "nope")).isEqualTo(
                new Result(0, "LoadState=not-found\nActiveState=inactive\n", ""));
    }

    @Test
    void showOfManyUnitsIsOneRequestWithTheSameOutputAsOneByOne() {
        String[] names = {"web", "nope", "idle.service", "bad", "web"};
        StringBuilder oneByOne = new StringBuilder();
        for (String n : names) {
            Result one = run("show", "-p", "IPIngressBytes,ActiveState,LoadState", n);
            oneByOne.append(oneByOne.isEmpty() ? "" : "\n").append(one.out());
        }
        int getUnits = daemon.calls("io.tollgate.Manager.GetUnits");
        int getUnit = daemon.calls("io.tollgate.Manager.GetUnit");
        Result all = run("show", "-p", "IPIngressBytes,ActiveState,LoadState", "web", "nope", "idle.service", "bad", "web");
        assertThat(all).isEqualTo(new Result(0, oneByOne.toString(), ""));
        assertThat(all.out()).isEqualTo("""
                LoadState=loaded
                ActiveState=active
                IPIngressBytes=1280

                LoadState=not-found
                ActiveState=inactive
                IPIngressBytes=[no data]

                LoadState=loaded
                ActiveState=inactive
                IPIngressBytes=[no data]

                LoadState=loaded
                ActiveState=failed
                IPIngressBytes=[no data]

                LoadState=loaded
                ActiveState=active
                IPIngressBytes=1280
                """);
        assertThat(daemon.calls("io.tollgate.Manager.GetUnits") - getUnits).as("one request for five units").isEqualTo(1);
        assertThat(daemon.calls("io.tollgate.Manager.GetUnit") - getUnit).isZero();
    }

    @Test
    void showOfAThousandUnitsIsOneRequest() {
        String[] args = new String[3 + 1000];
        args[0] = "show";
        args[1] = "-p";
        args[2] = "IPIngressBytes,IPIngressPackets,IPEgressBytes,IPEgressPackets";
        for (int i = 0; i < 1000; i++) {
            args[3 + i] = i % 2 == 0 ? "web" : "unknown-" + i;
        }
        int before = daemon.calls("io.tollgate.Manager.GetUnits");
        Result r = run(args);
        assertThat(r.code()).isZero();
        assertThat(r.out().split("\n\n")).hasSize(1000);
        assertThat(r.out()).startsWith("IPIngressBytes=1280\nIPIngressPackets=10\n");
        assertThat(daemon.calls("io.tollgate.Manager.GetUnits") - before).isEqualTo(1);
    }

    @Test
    void aReplyOverTheMessageLimitIsAskedForInHalves() {
        // 16 units with 10,000 allowed prefixes each: about 2.5 MB as one reply, over the 1 MiB limit.
        java.util.List<String> prefixes = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            prefixes.add("10." + (i / 256) + "." + (i % 256) + ".0/24");
        }
        String[] args = new String[3 + 16];
        args[0] = "show";
        args[1] = "-p";
        args[2] = "Id";
        for (int i = 0; i < 16; i++) {
            String name = "big-" + i + ".service";
            UnitInfo w = Units.web();
            daemon.units.put(name, w.toBuilder().name(name).ipAddressAllow(prefixes).build());
            args[3 + i] = name;
        }
        try {
            int before = daemon.calls("io.tollgate.Manager.GetUnits");
            Result r = run(args);
            assertThat(r.code()).as("%s", r.err()).isZero();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                expected.append(i == 0 ? "" : "\n").append("Id=big-").append(i).append(".service\n");
            }
            assertThat(r.out()).isEqualTo(expected.toString());
            assertThat(daemon.calls("io.tollgate.Manager.GetUnits") - before).as("refused whole, then in parts").isGreaterThan(2);
        } finally {
            daemon.units.keySet().removeIf(n -> n.startsWith("big-"));
        }
    }

    @Test
    void showJsonIsTheUnitRecord() throws Exception {
        Result r = run("--json", "show", "web");
        assertThat(r.code()).isZero();
        JsonNode u = r.json().get(0);
        assertThat(u.get("name").asText()).isEqualTo("web.service");
        assertThat(u.get("counters").get("ingressBytes").asLong()).isEqualTo(1280);
        assertThat(u.has("lastError")).as("absent fields are null, not left out").isTrue();
    }

    @Test
    void showWithoutAUnitIsTheManager() {
        Result r = run("show");
        assertThat(r.out()).contains("Version=9.9.9", "AttachMode=link", "Kernel=6.1.0-test", "NFailedUnits=1", "SystemState=degraded");
        assertThat(run("show", "-p", "AttachMode", "--value").out()).isEqualTo("link\n");
    }

    @Test
    void showWithoutAUnitHasTheDaemonsSystemState() {
        daemon.systemState = SystemState.STARTING;
        try {
            assertThat(run("show", "-p", "SystemState,NFailedUnits").out())
                    .as("the daemon's state, not one guessed from failed units").isEqualTo("NFailedUnits=1\nSystemState=starting\n");
        } finally {
            daemon.systemState = SystemState.DEGRADED;
        }
    }

    @Test
    void isSystemRunningPrintsTheStateAndExitsZeroOnlyWhenRunning() throws Exception {
        try {
            for (SystemState s : SystemState.values()) {
                daemon.systemState = s;
                int code = s == SystemState.RUNNING ? 0 : 1;
                assertThat(run("is-system-running")).as(s.wireName()).isEqualTo(new Result(code, s.wireName() + "\n", ""));
                assertThat(run("is-system-running", "-q")).as(s.wireName()).isEqualTo(new Result(code, "", ""));
                assertThat(run("is-system-running", "--quiet")).as(s.wireName()).isEqualTo(new Result(code, "", ""));
                Result json = run("--json", "is-system-running");
                assertThat(json.code()).isEqualTo(code);
                assertThat(json.json().get("systemState").asText()).isEqualTo(s.wireName());
            }
            // --wait does not wait once the boot is over.
            daemon.systemState = SystemState.DEGRADED;
            assertThat(run("is-system-running", "--wait")).isEqualTo(new Result(1, "degraded\n", ""));
            daemon.systemState = null;
            Result unknown = run("is-system-running");
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.out()).isEqualTo("unknown\n");
            assertThat(unknown.err()).startsWith("tollctl: failed to query the system state: ").contains("GetSystemState");
        } finally {
            daemon.systemState = SystemState.DEGRADED;
        }
        Path none = daemon.dir.resolve("no-such-socket");
        assertThat(run(Map.of(Tollctl.SOCKET_ENV, none.toString()), "is-system-running")).isEqualTo(new Result(1, "offline\n", ""));
    }

    @Test
    void isSystemRunningWaitsWhileStarting() throws Exception {
        daemon.systemState = SystemState.STARTING;
        try {
            daemon.systemStateAsked.drainPermits();
            CompletableFuture<Result> waited = CompletableFuture.supplyAsync(() -> run("is-system-running", "--wait"));
            daemon.systemStateAsked.acquire(2); // the first answer, and a poll after it: it waits
            assertThat(waited).isNotDone();
            daemon.systemState = SystemState.RUNNING;
            assertThat(waited.get()).isEqualTo(new Result(0, "running\n", ""));
        } finally {
            daemon.systemState = SystemState.DEGRADED;
        }
    }

    @Test
    void statusExitCodes() {
        Result active = run("status", "web");
        assertThat(active.code()).isZero();
        assertThat(active.out()).startsWith("web.service - Web server\n").contains("         IP: 1.2K in, 3.4M out\n");
        assertThat(run("status", "idle").code()).isEqualTo(3);
        assertThat(run("status", "bad").code()).isEqualTo(3);
        Result unknown = run("status", "nope", "web");
        assertThat(unknown.code()).isEqualTo(4);
        assertThat(unknown.err()).isEqualTo("Unit nope.service could not be found.\n");
        assertThat(unknown.out()).startsWith("web.service - Web server");
    }

    @Test
    void statusWithoutAUnitIsAnOverview() {
        Result r = run("status");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("    State: degraded", "   Failed: 1 unit", "   Attach: link", "tollgated: 9.9.9");
        assertThat(r.out()).contains("web.service");
    }

    @Test
    void isActiveAndIsFailed() {
        assertThat(run("is-active", "web")).isEqualTo(new Result(0, "active\n", ""));
        assertThat(run("is-active", "idle")).isEqualTo(new Result(3, "inactive\n", ""));
        assertThat(run("is-active", "idle", "web")).isEqualTo(new Result(0, "inactive\nactive\n", ""));
        assertThat(run("is-active", "nope")).isEqualTo(new Result(4, "inactive\n", ""));
        assertThat(run("is-active", "-q", "idle")).isEqualTo(new Result(3, "", ""));
        assertThat(run("is-failed", "bad")).isEqualTo(new Result(0, "failed\n", ""));
        assertThat(run("is-failed", "web")).isEqualTo(new Result(1, "active\n", ""));
    }

    @Test
    void jobsAndTheirErrors() {
        assertThat(run("start", "web")).isEqualTo(new Result(0, "", ""));
        assertThat(run("stop", "web", "idle")).isEqualTo(new Result(0, "", ""));
        assertThat(run("start", "nope")).isEqualTo(new Result(5, "",
                "Failed to start nope.service: Unit nope.service not found.\n"));
        assertThat(run("stop", "nope")).isEqualTo(new Result(5, "",
                "Failed to stop nope.service: Unit nope.service not loaded.\n"));
        assertThat(run("restart", "denied")).isEqualTo(new Result(4, "",
                "Failed to restart denied.service: Access denied (changes are for root and tollgated's admin group).\n"));
        assertThat(run("start", "broken")).isEqualTo(new Result(1, "",
                "Failed to start broken.service: exit-code. See 'tollctl status broken.service' for details.\n"));
        assertThat(run("start", "invalid")).isEqualTo(new Result(6, "", "Failed to start invalid.service: Unit invalid.service "
                + "has a bad unit file setting: /etc/x/invalid.service:3: [Service] ExecStart=: empty.\n"));
        // Every unit is tried; the first failure's code is the exit code.
        Result two = run("start", "nope", "web", "denied");
        assertThat(two.code()).isEqualTo(5);
        assertThat(two.err().lines()).hasSize(2);
    }

    @Test
    void catShowsTheFileAndDropIns() {
        assertThat(run("cat", "web")).isEqualTo(new Result(0, """
                # /etc/tollgate/units/web.service
                [Service]
                ExecStart=/bin/true

                # /etc/tollgate/units/web.service.d/10-ip.conf
                [Service]
                IPAccounting=yes
                """, ""));
        assertThat(run("cat", "nope")).isEqualTo(new Result(1, "", "No files found for nope.service.\n"));
    }

    @Test
    void enableAndDisableReportTheirLinks() {
        assertThat(run("enable", "web")).isEqualTo(new Result(0, "", "Created symlink "
                + "/etc/tollgate/units/multi-user.target.wants/web.service \u2192 /etc/tollgate/units/web.service.\n"));
        assertThat(run("disable", "web")).isEqualTo(new Result(0, "",
                "Removed \"/etc/tollgate/units/multi-user.target.wants/web.service\".\n"));
        assertThat(run("enable", "nope")).isEqualTo(new Result(1, "",
                "Failed to enable unit: Unit file nope.service does not exist.\n"));
    }

    @Test
    void enableOfAUnitWithoutInstallSectionExplainsAsSystemctlAndSucceeds() {
        assertThat(run("enable", "static")).isEqualTo(new Result(0, "", """
                The unit files have no installation config (WantedBy=, RequiredBy=, Also=,
                Alias= settings in the [Install] section, and DefaultInstance= for template
                units). This means they are not meant to be enabled using systemctl.
                \s
                Possible reasons for having this kind of units are:
                \u2022 A unit may be statically enabled by being symlinked from another unit's
                  .wants/ or .requires/ directory.
                \u2022 A unit's purpose may be to act as a helper for some other unit which has
                  a requirement dependency on it.
                \u2022 A unit may be started when needed via activation (socket, path, timer,
                  D-Bus, udev, scripted systemctl call, ...).
                \u2022 In case of template units, the unit is meant to be enabled with some
                  instance name specified.
                """));
        assertThat(run("enable", "-q", "static")).isEqualTo(new Result(0, "", ""));
        assertThat(EnableCommand.noInstallationConfig(false)).contains("\n* A unit may be statically enabled");
        // With one unit that has installation config, only its links are reported.
        assertThat(run("enable", "static", "web").err()).startsWith("Created symlink ").doesNotContain("installation config");
        assertThat(run("enable", "--json", "static").out()).contains("\"carriesInstallInfo\" : false");
    }

    @Test
    void listUnitFilesAsSystemctlPrintsThem() throws Exception {
        assertThat(run("list-unit-files")).isEqualTo(new Result(0, """
                UNIT FILE      STATE
                bad.service    disabled
                getty@.service indirect
                idle.service   static
                masked.service masked
                run-r1.service transient
                web.service    enabled
                tollgate.slice static

                7 unit files listed.
                """, ""));
        assertThat(run("list-unit-files", "*.slice", "w*")).isEqualTo(new Result(0, """
                UNIT FILE      STATE
                web.service    enabled
                tollgate.slice static

                2 unit files listed.
                """, ""));
        assertThat(run("list-unit-files", "--no-legend", "--state=static,masked", "-t", "service").out())
                .isEqualTo("idle.service   static\nmasked.service masked\n");
        assertThat(run("list-unit-files", "nothing*")).isEqualTo(new Result(1, "UNIT FILE STATE\n\n0 unit files listed.\n", ""));
        JsonNode json = run("list-unit-files", "--json", "run-*").json();
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("state").asText()).isEqualTo("transient");
        assertThat(json.get(0).get("path").isNull()).isTrue();
        assertThat(run("list-unit-files", "-t", "bogus").code()).isEqualTo(1);
    }

    @Test
    void daemonReloadPrintsWhatItFound() throws Exception {
        assertThat(run("daemon-reload")).isEqualTo(new Result(0, "", "/etc/tollgate/units/web.service:7: "
                + "[Service] IPAddressAllow=: Invalid address 'nonsense', ignoring.\n"));
        assertThat(run("daemon-reload", "--json").json().get("diagnostics").get(0).get("line").asInt()).isEqualTo(7);
    }

    @Test
    void runWaitsAndExitsWithTheCommandsStatus() {
        Result ok = run("run", "--wait", "-p", "IPAccounting=yes", "--", "/bin/true");
        assertThat(ok.code()).isZero();
        assertThat(ok.err()).isEqualTo("""
                Running as unit: run-r1.service
                Finished with result: success
                Main processes terminated with: code=exited/status=0
                IP traffic received: 1.2K
                IP traffic sent: 1.2K
                IP packets received: 10
                IP packets sent: 10
                """);
        assertThat(run("run", "--wait", "--unit", "three", "/bin/sh", "-c", "exit 3").code()).isEqualTo(3);
        Result killed = run("run", "-W", "/bin/sh", "-c", "kill -9 $$");
        assertThat(killed.code()).isEqualTo(255);
        assertThat(killed.err()).contains("code=killed/status=KILL");
        assertThat(run("run", "/bin/sleep", "10")).isEqualTo(new Result(0, "", "Running as unit: run-r1.service\n"));
    }

    @Test
    void listUnitsTreeTopMetricsProbeVersion() throws Exception {
        assertThat(run("list-units").out()).contains("web.service    loaded active running Web server")
                .doesNotContain("idle.service");
        assertThat(run().out()).as("no verb is list-units").contains("web.service");
        assertThat(run("list-units", "--all", "--no-legend", "--type=service").out().lines())
                .containsExactly("web.service  loaded active   running Web server", "idle.service loaded inactive dead    idle.service",
                        "bad.service  loaded failed   failed  bad.service");
        assertThat(run("list-units", "--json", "--state", "failed").json()).hasSize(1);
        assertThat(run("list-units", "-t", "bogus").code()).isEqualTo(1);
        assertThat(run("tree").out()).contains("\u2514\u2500tollgate.slice", "web.service");
        Result top = run("top", "-n", "2", "-d", "0.1");
        assertThat(top.code()).isZero();
        assertThat(top.out()).contains("Unit         In/s").contains("web.service");
        assertThat(top.out().split("\n\n")).hasSize(2);
        assertThat(run("top", "-n", "1", "-d", "0.1", "--json").json().get("units").get(0).get("name").asText()).isEqualTo("web.service");
        assertThat(run("metrics").out()).isEqualTo("# TYPE tollgate_units gauge\ntollgate_units 5\n");
        assertThat(run("probe").out()).contains("BPF_F_PREORDER", "Attach mode: link");
        assertThat(run("probe", "--json").json().get("attachMode").asText()).isEqualTo("link");
        assertThat(run("version").out()).contains("tollctl ", "tollgated 9.9.9");
        assertThat(run("version", "--json").json().get("tollgated").get("version").asText()).isEqualTo("9.9.9");
    }

    @Test
    void aDaemonThatDoesNotRunIsOneLine() {
        Result r = run(Map.of(), "--socket", daemon.dir.resolve("nothing").toString(), "show", "-p", "IPIngressBytes", "web");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("tollctl: tollgated is not running (no socket at " + daemon.dir.resolve("nothing")
                + "); start it with 'systemctl start tollgated' or 'tollgated', or point --socket or $TOLLCTL_SOCKET at its socket.\n");
        assertThat(run(Map.of(Tollctl.SOCKET_ENV, daemon.dir.resolve("nothing").toString()), "list-units").err())
                .startsWith("tollctl: tollgated is not running (no socket at ");
    }

    @Test
    void usageErrors() {
        Result unknown = run("frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("tollctl: Unknown command verb 'frobnicate'.\n");
        assertThat(run("show", "--bogus").code()).isEqualTo(2);
        assertThat(run("is-active").code()).isEqualTo(2);
        assertThat(run("--help").out()).contains("list-units", "is-active", "daemon-reload").doesNotContain("completion");
        assertThat(run("--version").out()).startsWith("tollctl ");
    }

    @Test
    void completionForBashAndZsh() {
        Result bash = run("completion");
        assertThat(bash.code()).isZero();
        assertThat(bash.out()).contains("complete -F", "tollctl", "list-units", "daemon-reload");
        assertThat(run("completion", "zsh").out()).contains("bashcompinit");
    }
}
