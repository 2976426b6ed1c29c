package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.Counters;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusViewTest {
    private static final Processes PROCS = new Processes() {
        @Override
        public String comm(int pid) {
            return "python3";
        }

        @Override
        public String cmdline(int pid) {
            return pid == 1234 ? "/usr/bin/python3 -m http.server" : "/bin/sleep 1";
        }
    };

    @Test
    void aRunningServiceAsSystemctlStatusShowsItWithTollgatesLines() {
        long now = Units.SINCE + 123_000_000L;
        assertThat(StatusView.render(Units.web(), Style.PLAIN, now, ZoneId.of("UTC"), PROCS)).containsExactly(
                "web.service - Web server",
                "     Loaded: loaded (/etc/tollgate/units/web.service; enabled)",
                "     Active: active (running) since Thu 2024-01-04 10:00:00 UTC; 2min 3s ago",
                "   Main PID: 1234 (python3)",
                "         IP: 1.2K in, 3.4M out",
                "    Packets: 10 in, 2500 out",
                "    Dropped: 0 packets in (0B), 2 packets out (120B)",
                "   IP allow: 127.0.0.0/8",
                "    IP deny: 0.0.0.0/0 ::/0",
                "     Attach: link",
                "   Delegate: no",
                "     CGroup: /tollgate.slice/web.service",
                "             ├─1234 /usr/bin/python3 -m http.server",
                "             └─1240 /bin/sleep 1");
    }

    @Test
    void aFailedServiceSaysWhyAndNothingAboutTrafficWithoutAccounting() {
        var u = Units.unit("bad.service", "-.slice", ActiveState.FAILED, false, null);
        assertThat(StatusView.render(u, Style.PLAIN, Units.SINCE, ZoneId.of("UTC"), Processes.NONE)).containsExactly(
                "bad.service",
                "     Loaded: loaded",
                "     Active: failed (Result: exit-code)",
                "   Delegate: no",
                "      Error: exit-code, status 1",
                "     CGroup: /bad.service");
    }

    /** As systemctl status shows a service whose ExecStart= binary is missing (checked against systemd 257). */
    @Test
    void aCommandThatCouldNotBeExecutedEndsWith203Exec() {
        var f = Units.unit("gone.service", "-.slice", ActiveState.FAILED, false, null);
        var u = f.toBuilder().mainPID(null).pids(List.of()).activeEnterTimestamp(null).ipAccounting(false)
                .ipAddressAllow(List.of()).ipAddressDeny(List.of()).attachMode(null).counters(null)
                .lastError("exit-code, status 203").execMainPID(4100).execMainCode("exited").execMainStatus(203).build();
        assertThat(StatusView.render(u, Style.PLAIN, Units.SINCE, ZoneId.of("UTC"), Processes.NONE)).containsSubsequence(
                "     Active: failed (Result: exit-code)",
                "   Main PID: 4100 (code=exited, status=203/EXEC)");
        assertThat(ExitStatus.describe("killed", 9)).isEqualTo("code=killed, status=9/KILL");
        assertThat(ExitStatus.describe("exited", 0)).isEqualTo("code=exited, status=0/SUCCESS");
        assertThat(ExitStatus.describe("exited", 77)).isEqualTo("code=exited, status=77");
    }

    @Test
    void dropInsByDirectory() {
        var w = Units.web();
        var u = w.toBuilder().dropInPaths(java.util.List.of("/etc/t/web.service.d/10-a.conf",
                "/etc/t/web.service.d/20-b.conf", "/run/t/web.service.d/x.conf")).build();
        assertThat(StatusView.render(u, Style.PLAIN, Units.SINCE, ZoneId.of("UTC"), Processes.NONE)).containsSubsequence(
                "     Loaded: loaded (/etc/tollgate/units/web.service; enabled)",
                "    Drop-In: /etc/t/web.service.d",
                "             └─10-a.conf, 20-b.conf",
                "             /run/t/web.service.d",
                "             └─x.conf",
                "     Active: active (running) since Thu 2024-01-04 10:00:00 UTC; now");
    }

    @Test
    void onATerminalTheDotAndColours() {
        Style tty = new Style(true, true, true);
        var lines = StatusView.render(Units.web(), tty, Units.SINCE, ZoneId.of("UTC"), Processes.NONE);
        assertThat(lines.getFirst()).isEqualTo("\u001b[0;1;32m\u25cf\u001b[0m \u001b[1mweb.service - Web server\u001b[0m");
        assertThat(lines.get(2)).contains("\u001b[0;1;32mactive (running)\u001b[0m since");
    }

    /** An interface restriction is a firewall: its drops are shown, and the list, a deny list in words. */
    @Test
    void interfacesLineAndDrops() {
        Counters c = new Counters(0, 0, 0, 0, 0, 0, 300, 5);
        List<String> deny = StatusView.render(Units.withInterfaces(Units.web(), "~veth0 lo", c), Style.PLAIN, Units.SINCE,
                ZoneId.of("UTC"), Processes.NONE);
        assertThat(deny).contains("    Dropped: 0 packets in (0B), 5 packets out (300B)", " Interfaces: all but veth0 lo");
        assertThat(StatusView.render(Units.withInterfaces(Units.web(), "lo", c), Style.PLAIN, Units.SINCE, ZoneId.of("UTC"),
                Processes.NONE)).contains(" Interfaces: lo");
        assertThat(StatusView.render(Units.withInterfaces(Units.web(), "~", null), Style.PLAIN, Units.SINCE, ZoneId.of("UTC"),
                Processes.NONE)).noneMatch(l -> l.contains("Interfaces"));
    }

}
