package dev.tollgate.system.cli;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.accounting.CounterSums;
import dev.tollgate.libc.CgroupId;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.system.cli.Tollctl.Result;
import dev.tollgate.testkit.Privileged;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real tollctl, in its own process, against the real tollgated on real cgroups with real
 * traffic (issue 7): every verb's output and exit code, --json read back, systemctl's exit
 * codes for unknown and inactive units, and a daemon that is not running.
 */
@SuppressWarnings("try")
@Privileged(commands = {"python3", "setpriv"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TollctlSystemTest {
    private TollgatedProcess daemon;
    private DatagramChannel receiver;
    private Tollctl tollctl;

    @BeforeAll
    void start() throws Exception {
        receiver = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.1", 0));
        int port = ((InetSocketAddress) receiver.getLocalAddress()).getPort();
        daemon = new TollgatedProcess();
        daemon.unit("web.slice", """
                [Unit]
                Description=Web tier
                [Slice]
                IPAccounting=yes
                """, false);
        // Ten datagrams of 100 bytes: 10 packets, 1280 bytes (SEMANTICS.md), then quiet.
        daemon.unit("counted.service", """
                [Unit]
                Description=Counted sender
                [Service]
                Slice=web.slice
                IPAccounting=yes
                IPAddressDeny=10.0.0.0/8
                ExecStart=%s
                [Install]
                WantedBy=multi-user.target
                """.formatted(python("""
                import socket,time
                s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                for i in range(10): s.sendto(b'x'*100,('127.0.0.1',%d))
                time.sleep(3600)
                """.formatted(port))), true);
        Path dropIns = Files.createDirectories(daemon.units.resolve("counted.service.d"));
        Files.writeString(dropIns.resolve("10-note.conf"), "[Unit]\nDocumentation=man:tollctl(1)\n");
        // Three datagrams its firewall drops: egress 3 packets, 384 bytes dropped.
        daemon.unit("dropper.service", """
                [Service]
                IPAccounting=yes
                IPAddressDeny=127.0.0.2
                ExecStart=%s
                """.formatted(python("""
                import socket,time
                s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                for i in range(3):
                    try: s.sendto(b'x'*100,('127.0.0.2',9))
                    except OSError: pass
                time.sleep(3600)
                """)), true);
        daemon.unit("plain.service", "[Service]\nExecStart=/bin/sleep 3600\n", true);
        daemon.unit("idle.service", "[Unit]\nDescription=Never started\n[Service]\nExecStart=/bin/sleep 3600\n", false);
        // systemctl start waits for a oneshot service's command: this start fails.
        daemon.unit("failing.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n", false);
        daemon.unit("switch.service", """
                [Service]
                ExecStart=/bin/sleep 3600
                [Install]
                WantedBy=multi-user.target
                """, false);
        daemon.unit("greeter@.service", """
                [Unit]
                Description=Greeter for %i
                [Service]
                ExecStart=/bin/sleep 3600
                [Install]
                WantedBy=multi-user.target
                """, false);
        daemon.unit("many@.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("helper.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("hidden.service", "", false);
        daemon.start();
        TollgatedProcess.await("ten datagrams counted", Duration.ofSeconds(30),
                () -> daemon.pinnedCounters("counted.service", false).map(CounterSums::egressPackets).orElse(0L) == 10);
        TollgatedProcess.await("three datagrams dropped", Duration.ofSeconds(30),
                () -> daemon.pinnedCounters("dropper.service", false).map(CounterSums::egressDroppedPackets).orElse(0L) == 3);
        tollctl = new Tollctl(daemon.socket);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
        }
    }

    private Result ok(String... args) throws Exception {
        Result r = tollctl.run(args);
        assertThat(r.code()).as("%s", r).isZero();
        return r;
    }

    @Test
    void showPrintsSystemdsPropertiesAndOurs() throws Exception {
        assertThat(ok("show", "-p", "IPEgressBytes,IPEgressPackets,IPIngressBytes", "counted").out())
                .isEqualTo("IPIngressBytes=0\nIPEgressBytes=1280\nIPEgressPackets=10\n");
        assertThat(ok("show", "-p", "IPEgressDroppedPackets", "-p", "IPEgressDroppedBytes", "dropper.service").out())
                .isEqualTo("IPEgressDroppedBytes=384\nIPEgressDroppedPackets=3\n");
        assertThat(ok("show", "-p", "IPIngressBytes", "--value", "plain", "counted").out()).isEqualTo("[no data]\n\n0\n");
        String all = ok("show", "counted").out();
        assertThat(all).contains("Id=counted.service\n", "Description=Counted sender\n", "LoadState=loaded\n",
                "ActiveState=active\n", "SubState=running\n", "IPAccounting=yes\n", "IPAddressDeny=10.0.0.0/8\n",
                "Slice=web.slice\n", "AttachMode=", "Delegate=no\n", "UnitFileState=enabled\n");
        assertThat(all).containsPattern("MainPID=[1-9][0-9]*\n").containsPattern("ActiveEnterTimestamp=\\w{3} \\d{4}-\\d\\d-\\d\\d ");
        assertThat(all).contains("ControlGroup=/" + daemon.cgroupRootName + "/web.slice/counted.service\n");
        // ControlGroupId= as systemd 252+ shows it: the kernel's id of the cgroup, 0 without one.
        long id = CgroupId.of(daemon.unitCgroup("web.slice", "counted.service"));
        assertThat(id).isPositive();
        assertThat(all).contains("ControlGroupId=" + id + "\n");
        assertThat(ok("show", "-p", "ControlGroupId", "nonexistent").out()).isEqualTo("ControlGroupId=0\n");
        // StateChangeTimestamp=: when the unit last changed state, a date as systemd prints it; empty
        // for a unit that never changed.
        assertThat(ok("show", "-p", "StateChangeTimestamp", "counted.service").out())
                .matches("StateChangeTimestamp=\\w{3} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+\n");
        assertThat(ok("show", "-p", "StateChangeTimestamp", "nonexistent").out()).isEqualTo("StateChangeTimestamp=\n");
    }

    @Test
    void showOfAnUnknownUnitIsNotFoundWithExitZeroAsSystemctl() throws Exception {
        assertThat(ok("show", "-p", "LoadState,ActiveState", "nonexistent").out())
                .isEqualTo("LoadState=not-found\nActiveState=inactive\n");
    }

    @Test
    void aTemplateInstanceIsLoadedOnFirstMentionAsSystemctlDoes() throws Exception {
        Path template = daemon.units.resolve("greeter@.service");
        assertThat(ok("show", "-p", "Id,Description,LoadState,ActiveState,SubState,FragmentPath,UnitFileState", "greeter@one")
                .out()).isEqualTo("Id=greeter@one.service\nDescription=Greeter for one\nLoadState=loaded\nActiveState=inactive\n"
                        + "SubState=dead\nFragmentPath=" + template + "\nUnitFileState=disabled\n");
        Result status = tollctl.run("status", "greeter@two.service");
        assertThat(status.code()).as("%s", status).isEqualTo(3);
        assertThat(status.err()).isEmpty();
        assertThat(status.out()).startsWith("greeter@two.service - Greeter for two\n")
                .contains("     Loaded: loaded (" + template + "; disabled)\n", "     Active: inactive (dead)");
        assertThat(ok("cat", "greeter@three").out()).startsWith("# " + template + "\n[Unit]\nDescription=Greeter for %i\n");
        // Queries are open to every local user: what they mention is not kept, or anyone could
        // grow the daemon by asking for greeter@1, greeter@2, ... (systemd collects such units).
        assertThat(ok("list-units", "--all", "--no-legend", "greeter@*").out())
                .doesNotContain("greeter@one.service", "greeter@two.service", "greeter@three.service");
        // A template that does not exist is still not found, and is not kept.
        assertThat(ok("show", "-p", "LoadState,ActiveState", "nope@x").out()).isEqualTo("LoadState=not-found\nActiveState=inactive\n");
        assertThat(tollctl.run("status", "nope@x")).isEqualTo(new Result(4, "", "Unit nope@x.service could not be found.\n"));
        assertThat(tollctl.run("cat", "nope@x")).isEqualTo(new Result(1, "", "No files found for nope@x.service.\n"));
        assertThat(ok("list-units", "--all", "--no-legend").out()).doesNotContain("nope@x");
        // And the instance starts as any unit.
        assertThat(tollctl.run("start", "greeter@four")).isEqualTo(new Result(0, "", ""));
        assertThat(tollctl.run("is-active", "greeter@four")).isEqualTo(new Result(0, "active\n", ""));
        assertThat(tollctl.run("stop", "greeter@four")).isEqualTo(new Result(0, "", ""));
    }

    /** The daemon's count of answered calls of one method, from its metrics. */
    private long requests(String method) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "tollgate_request_seconds_count\\{error=\"none\",method=\"io\\.tollgate\\.Manager\\." + method + "\"\\} (\\S+)")
                .matcher(ok("metrics").out());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void showOfAThousandUnitsIsOneRequest() throws Exception {
        List<String> args = new ArrayList<>(List.of("show", "-p", "IPIngressBytes,IPIngressPackets,IPEgressBytes,IPEgressPackets"));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String name = switch (i % 4) {
                case 0 -> "counted.service";
                case 1 -> "many@" + i + ".service";
                case 2 -> "unknown-" + i + ".service";
                default -> "plain.service";
            };
            args.add(name);
            expected.append(i == 0 ? "" : "\n").append(switch (i % 4) {
                case 0 -> "IPIngressBytes=0\nIPIngressPackets=0\nIPEgressBytes=1280\nIPEgressPackets=10\n";
                default -> "IPIngressBytes=[no data]\nIPIngressPackets=[no data]\nIPEgressBytes=[no data]\nIPEgressPackets=[no data]\n";
            });
        }
        long getUnits = requests("GetUnits");
        long getUnit = requests("GetUnit");
        Result r = ok(args.toArray(String[]::new));
        assertThat(r.out()).isEqualTo(expected.toString());
        assertThat(requests("GetUnits") - getUnits).as("one GetUnits call for 1,000 units").isEqualTo(1);
        assertThat(requests("GetUnit") - getUnit).as("no GetUnit calls").isZero();
        // Unknown units as before: not-found, exit 0.
        assertThat(ok("show", "-p", "LoadState", "counted", "unknown-1", "many@1").out())
                .isEqualTo("LoadState=loaded\n\nLoadState=not-found\n\nLoadState=loaded\n");
    }

    @Test
    void listUnitFilesAsSystemctl() throws Exception {
        Result all = ok("list-unit-files");
        List<String> lines = all.out().lines().toList();
        assertThat(lines.getFirst()).matches("UNIT FILE +STATE");
        int width = lines.getFirst().indexOf("STATE");
        assertThat(lines).contains(
                pad("counted.service", width) + "enabled",
                pad("dropper.service", width) + "enabled",
                pad("idle.service", width) + "static",
                pad("switch.service", width) + "disabled",
                pad("greeter@.service", width) + "disabled",
                pad("many@.service", width) + "static",
                pad("hidden.service", width) + "masked",
                pad("web.slice", width) + "static");
        assertThat(lines.get(lines.size() - 2)).isEmpty();
        assertThat(lines.getLast()).isEqualTo((lines.size() - 3) + " unit files listed.");
        // Services first, then slices, each by name, as systemctl sorts.
        List<String> names = lines.subList(1, lines.size() - 2).stream().map(l -> l.substring(0, l.indexOf(' '))).toList();
        assertThat(names.indexOf("web.slice")).isGreaterThan(names.indexOf("switch.service"));
        assertThat(ok("list-unit-files", "greeter*", "*.slice").out()).isEqualTo("""
                UNIT FILE        STATE
                greeter@.service disabled
                web.slice        static

                2 unit files listed.
                """);
        assertThat(ok("list-unit-files", "--no-legend", "--state=masked").out()).isEqualTo("hidden.service masked\n");
        assertThat(tollctl.run("list-unit-files", "nothing-like-this*")).isEqualTo(new Result(1,
                "UNIT FILE STATE\n\n0 unit files listed.\n", ""));
        JsonNode json = ok("list-unit-files", "--json", "counted.service").json();
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("name").asText()).isEqualTo("counted.service");
        assertThat(json.get(0).get("path").asText()).isEqualTo(daemon.units.resolve("counted.service").toString());
        assertThat(json.get(0).get("state").asText()).isEqualTo("enabled");
        // A transient unit is listed as transient while it is loaded.
        assertThat(tollctl.run("run", "--unit", "sys-files-run", "/bin/sleep", "3600").code()).isZero();
        try {
            assertThat(ok("list-unit-files", "--no-legend", "sys-files-run*").out()).isEqualTo("sys-files-run.service transient\n");
        } finally {
            tollctl.run("stop", "sys-files-run");
        }
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    @Test
    void enableOfAUnitWithoutInstallSectionExplainsAndSucceeds() throws Exception {
        Result r = tollctl.run("enable", "helper");
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("""
                The unit files have no installation config (WantedBy=, RequiredBy=, Also=,
                Alias= settings in the [Install] section, and DefaultInstance= for template
                units). This means they are not meant to be enabled using systemctl.
                \s
                Possible reasons for having this kind of units are:
                """).endsWith("""
                \u2022 In case of template units, the unit is meant to be enabled with some
                  instance name specified.
                """);
        assertThat(daemon.units.resolve("multi-user.target.wants/helper.service")).doesNotExist();
        assertThat(ok("show", "-p", "UnitFileState", "--value", "helper", "hidden", "greeter@five").out())
                .as("static, masked, and an instance of a template with [Install]").isEqualTo("static\n\nmasked\n\ndisabled\n");
        assertThat(tollctl.run("status", "idle").out()).contains("     Loaded: loaded (" + daemon.units.resolve("idle.service") + "; static)\n");
    }

    @Test
    void showJsonReadsBackAsTheUnitRecord() throws Exception {
        JsonNode units = ok("show", "--json", "counted", "plain").json();
        assertThat(units).hasSize(2);
        assertThat(units.get(0).get("name").asText()).isEqualTo("counted.service");
        assertThat(units.get(0).get("counters").get("egressBytes").asLong()).isEqualTo(1280);
        assertThat(units.get(0).get("ipAccounting").asBoolean()).isTrue();
        assertThat(units.get(1).get("ipAccounting").asBoolean()).isFalse();
        assertThat(units.get(1).has("counters")).isTrue();
    }

    @Test
    void statusLikeSystemctlWithItsExitCodes() throws Exception {
        Result r = ok("status", "counted");
        assertThat(r.out()).startsWith("counted.service - Counted sender\n");
        assertThat(r.out()).containsPattern("     Loaded: loaded \\(" + daemon.units.resolve("counted.service") + "; enabled\\)\n");
        assertThat(r.out()).containsPattern("     Active: active \\(running\\) since \\w{3} [-0-9: ]+ \\w+; [0-9a-z ]+ ago\n");
        assertThat(r.out()).containsPattern("   Main PID: \\d+ \\(python3\\)\n");
        assertThat(r.out()).contains("         IP: 0B in, 1.2K out\n", "    Packets: 0 in, 10 out\n", "    IP deny: 10.0.0.0/8\n",
                "   Delegate: no\n", "     CGroup: /" + daemon.cgroupRootName + "/web.slice/counted.service\n");
        assertThat(ok("status", "dropper").out()).contains("    Dropped: 0 packets in (0B), 3 packets out (384B)\n");
        assertThat(tollctl.run("status", "idle").code()).isEqualTo(3);
        Result unknown = tollctl.run("status", "nonexistent", "counted");
        assertThat(unknown.code()).isEqualTo(4);
        assertThat(unknown.err()).isEqualTo("Unit nonexistent.service could not be found.\n");
        assertThat(unknown.out()).startsWith("counted.service - Counted sender\n");
        assertThat(ok("status", "--json", "counted").json().get(0).get("activeState").asText()).isEqualTo("active");
        Result overview = ok("status");
        assertThat(overview.out()).contains("    State: ", "   Attach: ", "web.slice", "counted.service");
        assertThat(ok("status", "--json").json().get("units").asInt()).isGreaterThanOrEqualTo(6);
    }

    @Test
    void isActiveAndIsFailed() throws Exception {
        assertThat(tollctl.run("is-active", "counted")).isEqualTo(new Result(0, "active\n", ""));
        assertThat(tollctl.run("is-active", "idle")).isEqualTo(new Result(3, "inactive\n", ""));
        assertThat(tollctl.run("is-active", "nonexistent")).isEqualTo(new Result(4, "inactive\n", ""));
        assertThat(tollctl.run("is-active", "--quiet", "idle", "counted")).isEqualTo(new Result(0, "", ""));
        assertThat(tollctl.run("is-failed", "counted")).isEqualTo(new Result(1, "active\n", ""));
        assertThat(tollctl.run("is-active", "--json", "counted").json().get(0).get("activeState").asText()).isEqualTo("active");
    }

    @Test
    void startStopRestartAndTheirErrors() throws Exception {
        assertThat(tollctl.run("start", "idle")).isEqualTo(new Result(0, "", ""));
        assertThat(tollctl.run("is-active", "idle").code()).isZero();
        assertThat(tollctl.run("restart", "idle")).isEqualTo(new Result(0, "", ""));
        assertThat(tollctl.run("stop", "idle")).isEqualTo(new Result(0, "", ""));
        assertThat(tollctl.run("is-active", "idle").code()).isEqualTo(3);
        assertThat(tollctl.run("start", "nonexistent")).isEqualTo(new Result(5, "",
                "Failed to start nonexistent.service: Unit nonexistent.service not found.\n"));
        assertThat(tollctl.run("stop", "nonexistent")).isEqualTo(new Result(5, "",
                "Failed to stop nonexistent.service: Unit nonexistent.service not loaded.\n"));
        Result failed = tollctl.run("start", "failing");
        assertThat(failed.code()).as("%s", failed).isEqualTo(1);
        assertThat(failed.err()).startsWith("Failed to start failing.service: ").endsWith(
                " See 'tollctl status failing.service' for details.\n").hasLineCount(1);
        TollgatedProcess.await("failing.service failed", Duration.ofSeconds(20), () -> {
            try {
                return tollctl.run("is-failed", "failing").code() == 0;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(tollctl.run("status", "failing").out()).contains("     Active: failed");
    }

    @Test
    void catShowsTheFileAndItsDropIns() throws Exception {
        String out = ok("cat", "counted").out();
        assertThat(out).startsWith("# " + daemon.units.resolve("counted.service") + "\n[Unit]\nDescription=Counted sender\n");
        assertThat(out).endsWith("\n# " + daemon.units.resolve("counted.service.d/10-note.conf")
                + "\n[Unit]\nDocumentation=man:tollctl(1)\n");
        assertThat(tollctl.run("cat", "nonexistent")).isEqualTo(new Result(1, "", "No files found for nonexistent.service.\n"));
        assertThat(ok("cat", "--json", "counted").json().get(0).get("dropIns")).hasSize(1);
    }

    @Test
    void enableAndDisable() throws Exception {
        Path link = daemon.units.resolve("multi-user.target.wants/switch.service");
        Result enabled = ok("enable", "switch");
        assertThat(enabled.err()).startsWith("Created symlink " + link + " \u2192 ");
        assertThat(link).isSymbolicLink();
        assertThat(ok("disable", "switch").err()).isEqualTo("Removed \"" + link + "\".\n");
        assertThat(link).doesNotExist();
        assertThat(tollctl.run("enable", "nonexistent")).isEqualTo(new Result(1, "",
                "Failed to enable unit: Unit file nonexistent.service does not exist.\n"));
    }

    @Test
    void daemonReloadPrintsDiagnostics() throws Exception {
        daemon.unit("sloppy.service", "[Service]\nRestart=always\n", false);
        try {
            Result r = ok("daemon-reload");
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains(daemon.units.resolve("sloppy.service") + ": [Service]: Service has no ExecStart=");
            assertThat(ok("daemon-reload", "--json").json().get("diagnostics").isArray()).isTrue();
        } finally {
            Files.deleteIfExists(daemon.units.resolve("sloppy.service"));
            tollctl.run("daemon-reload");
        }
    }

    @Test
    void runWaitsAndExitsWithTheCommandsStatus() throws Exception {
        Result ok = tollctl.run("run", "--wait", "-p", "IPAccounting=yes", "--unit", "sys-run-ok", "--", "/bin/true");
        assertThat(ok.code()).as("%s", ok).isZero();
        assertThat(ok.err()).contains("Running as unit: sys-run-ok.service\n", "Finished with result: success\n",
                "Main processes terminated with: code=exited/status=0\n", "IP traffic received: 0B\n", "IP traffic sent: 0B\n");
        Result three = tollctl.run("run", "--wait", "/bin/sh", "-c", "exit 3");
        assertThat(three.code()).as("%s", three).isEqualTo(3);
        assertThat(three.err()).contains("Finished with result: exit-code\n", "code=exited/status=3\n");
        Result sent = tollctl.run("run", "-W", "-p", "IPAccounting=yes", "/usr/bin/python3", "-c",
                "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); [s.sendto(b'x'*100,('127.0.0.1',9)) for i in range(10)]");
        assertThat(sent.err()).as("%s", sent).contains("IP traffic sent: 1.2K\n", "IP packets sent: 10\n");
        Result background = tollctl.run("run", "--unit", "sys-run-bg", "/bin/sleep", "3600");
        assertThat(background).isEqualTo(new Result(0, "", "Running as unit: sys-run-bg.service\n"));
        assertThat(tollctl.run("is-active", "sys-run-bg").code()).isZero();
        assertThat(tollctl.run("stop", "sys-run-bg").code()).isZero();
    }

    @Test
    void listUnitsAndTree() throws Exception {
        String list = ok("list-units").out();
        assertThat(list).startsWith("UNIT ").containsPattern("\ncounted\\.service +loaded +active +running +Counted sender\n")
                .doesNotContain("idle.service").contains("loaded units listed. Pass --all to see loaded but inactive units, too.\n");
        assertThat(ok("list-units", "--all", "--no-legend").out()).contains("idle.service ").doesNotContain("UNIT");
        JsonNode slices = ok("list-units", "--json", "--type", "slice").json();
        assertThat(slices).isNotEmpty().allMatch(u -> u.get("type").asText().equals("slice"));
        String tree = ok("tree").out();
        assertThat(tree).containsPattern("web\\.slice +IP: 0B in, 1\\.2K out\n");
        assertThat(tree).containsPattern("  [└├]─counted\\.service +IP: 0B in, 1\\.2K out\n");
        assertThat(tree).containsPattern("dropper\\.service +IP: 0B in, 0B out; dropped 3 packets \\(384B\\)\n");
        JsonNode forest = ok("tree", "--json", "web.slice").json();
        assertThat(forest.get(0).get("name").asText()).isEqualTo("web.slice");
        assertThat(forest.get(0).get("children").get(0).get("name").asText()).isEqualTo("counted.service");
    }

    @Test
    void topPrintsBatches() throws Exception {
        Result r = ok("top", "-n", "2", "-d", "0.2");
        assertThat(r.out().split("\n\n")).hasSize(2);
        assertThat(r.out()).startsWith("Unit ").contains("counted.service", "web.slice");
        JsonNode line = tollctl.run("top", "-n", "1", "-d", "0.2", "--json").json();
        assertThat(line.get("units").findValuesAsText("name")).contains("counted.service");
    }

    @Test
    void metricsProbeVersion() throws Exception {
        assertThat(ok("metrics").out()).contains("# TYPE ", "tollgate_");
        assertThat(ok("probe").out()).contains("FEATURE ", "cgroup v2 mounted", "Attach mode: ");
        assertThat(ok("probe", "--json").json().get("features").size()).isPositive();
        assertThat(ok("version").out()).startsWith("tollctl ").contains("\ntollgated ");
        assertThat(ok("version", "--json").json().get("tollgated").get("product").asText()).isEqualTo("tollgated");
        assertThat(ok("metrics", "--json").json().get("text").asText()).contains("tollgate_");
    }

    /**
     * is-system-running against a daemon of its own whose boot is held by a Type=notify unit
     * that sends READY=1 only when the test lets it (it blocks reading a FIFO): starting until
     * then, --wait returns running once it has, degraded after a unit failed.
     */
    @Test
    void isSystemRunningIsStartingUntilTheBootIsDoneAndDegradedAfterAFailure() throws Exception {
        try (TollgatedProcess booting = new TollgatedProcess()) {
            Path go = booting.work.resolve("go");
            assertThat(new ProcessBuilder("mkfifo", go.toString()).inheritIO().start().waitFor()).isZero();
            booting.unit("held.service", """
                    [Service]
                    Type=notify
                    ExecStart=%s
                    """.formatted(python("""
                    import os,socket,time
                    open('%s').read()
                    s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
                    s.sendto(b'READY=1',os.environ['NOTIFY_SOCKET'])
                    time.sleep(3600)
                    """.formatted(go))), true);
            booting.unit("failing.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n", false);
            int from = booting.spawn();
            // The socket is served before the boot's jobs run.
            booting.awaitLog("serving io.tollgate.Manager", from, Duration.ofSeconds(60));
            Tollctl t = new Tollctl(booting.socket);
            assertThat(t.run("is-system-running")).isEqualTo(new Result(1, "starting\n", ""));
            assertThat(t.run("show", "-p", "SystemState", "--value")).isEqualTo(new Result(0, "starting\n", ""));
            Process waiting = t.spawn("is-system-running", "--wait");
            // Opening the FIFO for writing waits for held.service to open it for reading: no race, no sleep.
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    Files.writeString(go, "go");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(dev.tollgate.testkit.Await.SAFETY_NET.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertThat(TollgatedProcess.readAll(waiting)).isEqualTo("running\n");
            assertThat(waiting.waitFor()).isZero();
            booting.awaitLog("tollgated is running", from, Duration.ofSeconds(60));
            assertThat(t.run("is-system-running")).isEqualTo(new Result(0, "running\n", ""));

            assertThat(t.run("start", "failing").code()).isNotZero();
            assertThat(t.run("is-system-running")).isEqualTo(new Result(1, "degraded\n", ""));
            assertThat(t.run("is-system-running", "--quiet")).isEqualTo(new Result(1, "", ""));
            assertThat(t.run("show", "-p", "NFailedUnits,SystemState")).isEqualTo(new Result(0, "NFailedUnits=1\nSystemState=degraded\n", ""));
        }
    }

    /**
     * A shutdown held by a unit that ignores SIGTERM (until the test lets it exit through a
     * FIFO): the socket is still served, the state is stopping and a start is refused.
     */
    @Test
    void isSystemRunningIsStoppingWhileTheUnitsStopAndStartsAreRefused() throws Exception {
        try (TollgatedProcess stopping = new TollgatedProcess()) {
            Path release = stopping.work.resolve("release");
            assertThat(new ProcessBuilder("mkfifo", release.toString()).inheritIO().start().waitFor()).isZero();
            // Ready only once SIGTERM is ignored, so the daemon's SIGTERM cannot come first.
            stopping.unit("stubborn.service", """
                    [Service]
                    Type=notify
                    TimeoutStopSec=600
                    ExecStart=%s
                    """.formatted(python("""
                    import os,signal,socket
                    signal.signal(signal.SIGTERM,signal.SIG_IGN)
                    s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
                    s.sendto(b'READY=1',os.environ['NOTIFY_SOCKET'])
                    open('%s').read()
                    """.formatted(release))), true);
            stopping.unit("later.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
            stopping.start();
            Tollctl t = new Tollctl(stopping.socket);
            assertThat(t.run("is-system-running")).isEqualTo(new Result(0, "running\n", ""));
            try (dev.tollgate.api.ManagerClient client = dev.tollgate.api.ManagerClient.connect(stopping.socket)) {
                stopping.signal("TERM");
                dev.tollgate.testkit.Await.until("the state to be stopping",
                        () -> client.getSystemState() == dev.tollgate.api.SystemState.STOPPING);
            }
            assertThat(t.run("is-system-running")).isEqualTo(new Result(1, "stopping\n", ""));
            Result refused = t.run("start", "later");
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("tollgated is stopping, try again later.");
            assertThat(t.run("is-active", "later")).isEqualTo(new Result(3, "inactive\n", ""));
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    Files.writeString(release, "go");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(dev.tollgate.testkit.Await.SAFETY_NET.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertThat(stopping.stop()).as("a clean exit once stubborn.service is gone").isZero();
        }
    }

    @Test
    void aDaemonThatIsNotRunningIsOneLineNamingTheSocket() throws Exception {
        Path nowhere = daemon.work.resolve("no-such-socket");
        Result r = Tollctl.run(Map.of(), "--socket", nowhere.toString(), "status", "counted");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("tollctl: tollgated is not running (no socket at " + nowhere + "); start it with "
                + "'systemctl start tollgated' or 'tollgated', or point --socket or $TOLLCTL_SOCKET at its socket.\n");
        // is-system-running says so as systemctl does without systemd: offline, exit 1.
        assertThat(Tollctl.run(Map.of(), "--socket", nowhere.toString(), "is-system-running")).isEqualTo(new Result(1, "offline\n", ""));
        Result env = Tollctl.run(Map.of("TOLLCTL_SOCKET", nowhere.toString()), "show", "-p", "IPIngressBytes", "counted");
        assertThat(env.code()).isEqualTo(1);
        assertThat(env.err()).contains("no socket at " + nowhere);
        // --socket wins over the environment.
        assertThat(Tollctl.run(Map.of("TOLLCTL_SOCKET", nowhere.toString()), "--socket", daemon.socket.toString(), "is-active",
                "counted")).isEqualTo(new Result(0, "active\n", ""));
    }

    @Test
    void changesAreRefusedToOtherUsersQueriesAreNot() throws Exception {
        // tollctl as uid 65534, from a copy of its class path that uid can read (~/.m2 is root's).
        Path dir = Files.createTempDirectory("tollctl-nobody");
        // The socket is for every local user (0666), in a directory they may pass through.
        Files.setPosixFilePermissions(daemon.work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> copies = new ArrayList<>();
            int n = 0;
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                if (!entry.matches(".*(/cli/|/cli-|/api/|/api-|/varlink/|/varlink-|jackson|picocli).*")) {
                    continue;
                }
                Path from = Path.of(entry);
                Path to = dir.resolve(n++ + "-" + from.getFileName());
                copyTree(from, to);
                copies.add(to.toString());
            }
            String classPath = String.join(java.io.File.pathSeparator, copies);
            assertThat(tollctl.runAsNobody(classPath, "is-active", "counted")).isEqualTo(new Result(0, "active\n", ""));
            // Drop events are read as counters are: by anyone (GetDrops).
            Result drops = tollctl.runAsNobody(classPath, "drops", "counted");
            assertThat(drops.code()).as("%s", drops).isZero();
            assertThat(drops.err()).isEmpty();
            assertThat(tollctl.runAsNobody(classPath, "show", "-p", "IPEgressPackets", "counted"))
                    .isEqualTo(new Result(0, "IPEgressPackets=10\n", ""));
            assertThat(tollctl.runAsNobody(classPath, "stop", "counted")).isEqualTo(new Result(4, "",
                    "Failed to stop counted.service: Access denied (changes are for root and tollgated's admin group).\n"));
            Result reload = tollctl.runAsNobody(classPath, "daemon-reload");
            assertThat(reload.code()).isEqualTo(4);
            assertThat(reload.err()).startsWith("Failed to reload daemon: Access denied");
            assertThat(tollctl.run("is-active", "counted").code()).as("still running").isZero();
        } finally {
            Files.setPosixFilePermissions(daemon.work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
                Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    @Test
    void completionScript() throws Exception {
        String script = ok("completion", "bash").out();
        assertThat(script).contains("complete -F", "tollctl", "is-active", "daemon-reload");
    }
}
