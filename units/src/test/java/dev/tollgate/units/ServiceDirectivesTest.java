package dev.tollgate.units;

import static dev.tollgate.units.TestUnits.failure;
import static dev.tollgate.units.TestUnits.messages;
import static dev.tollgate.units.TestUnits.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.units.exec.EnvironmentFile;
import dev.tollgate.units.exec.ExecCommand;
import dev.tollgate.units.exec.KillMode;
import dev.tollgate.units.exec.RestartPolicy;
import dev.tollgate.units.exec.ServiceType;
import dev.tollgate.units.exec.Signal;
import dev.tollgate.units.exec.StandardOutput;
import dev.tollgate.units.exec.WorkingDirectory;
import dev.tollgate.units.syntax.TimeSpan;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The [Service] and exec directives; systemd.service(5), systemd.exec(5), systemd.kill(5). */
class ServiceDirectivesTest {

    /** systemd.service(5), "Examples", Example 2 ("Simple service"), verbatim. */
    @Test
    void simpleServiceExample() {
        ServiceConfig s = service("foo.service", """
                [Unit]
                Description=Foo

                [Service]
                ExecStart=/usr/sbin/foo-daemon

                [Install]
                WantedBy=multi-user.target
                """);
        assertThat(s.unit().description()).contains("Foo");
        assertThat(s.service().type()).isEqualTo(ServiceType.SIMPLE);
        assertThat(s.service().execStart()).extracting(ExecCommand::path).containsExactly("/usr/sbin/foo-daemon");
        assertThat(s.install().wantedBy()).containsExactly(UnitName.of("multi-user.target"));
        assertThat(s.slice()).isEqualTo(UnitName.SYSTEM_SLICE);
        assertThat(s.service().timeoutStart()).isEqualTo(TimeSpan.ofSeconds(90));
        assertThat(s.service().timeoutStop()).isEqualTo(TimeSpan.ofSeconds(90));
        assertThat(s.service().restartSec()).isEqualTo(TimeSpan.ofMillis(100));
        assertThat(s.service().restart()).isEqualTo(RestartPolicy.NO);
        assertThat(s.kill()).isEqualTo(KillContext.DEFAULTS);
        assertThat(s.exec()).isEqualTo(ExecContext.DEFAULTS);
    }

    /** systemd.service(5), Example 3 ("Oneshot service"): oneshot has no start timeout by default. */
    @Test
    void oneshotExample() {
        ServiceConfig s = service("""
                [Unit]
                Description=Cleanup old Foo data

                [Service]
                Type=oneshot
                ExecStart=/usr/sbin/foo-cleanup

                [Install]
                WantedBy=multi-user.target
                """);
        assertThat(s.service().type()).isEqualTo(ServiceType.ONESHOT);
        assertThat(s.service().timeoutStart()).isEqualTo(TimeSpan.INFINITY);
    }

    /** Example 4 ("Stoppable oneshot service"): several ExecStart= for oneshot, RemainAfterExit=. */
    @Test
    void stoppableOneshotExample() {
        ServiceConfig s = service("""
                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=/usr/sbin/foo-save-traffic-stats
                ExecStart=/usr/sbin/foo-start-traffic
                ExecStop=/usr/sbin/foo-stop-traffic
                """);
        assertThat(s.service().remainAfterExit()).isTrue();
        assertThat(s.service().execStart()).hasSize(2);
        assertThat(s.service().execStop()).hasSize(1);
    }

    @Test
    void typeDefaultsAsSystemdDoes() {
        assertThat(service("[Service]\nExecStop=/bin/x\nRemainAfterExit=yes\n").service().type()).isEqualTo(ServiceType.ONESHOT);
        assertThat(service("[Service]\nType=notify\nExecStart=/bin/x\n").service().type()).isEqualTo(ServiceType.NOTIFY);
        assertThat(service("[Service]\nType=exec\nExecStart=/bin/x\n").service().type()).isEqualTo(ServiceType.EXEC);
    }

    @Test
    void unsupportedTypesLoadWithAWarning() {
        assertThat(service("[Service]\nType=forking\nExecStart=/bin/x\n").service().type()).isEqualTo(ServiceType.FORKING);
        assertThat(messages("t.service", "[Service]\nType=forking\nExecStart=/bin/x\n"))
                .containsExactly("2: Type=forking is not supported by tollgate: the unit loads, but cannot be started.");
        assertThat(messages("t.service", "[Service]\nType=bogus\nExecStart=/bin/x\n"))
                .containsExactly("2: Failed to parse service type, ignoring: bogus");
    }

    @Test
    void emptyAssignmentResetsCommandLists() {
        ServiceConfig s = service("[Service]\nExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\nExecStartPre=/bin/p1\nExecStartPre=-/bin/p2\n"
                + "ExecStartPost=/bin/q\nExecStop=/bin/s1\nExecStop=\n");
        assertThat(s.service().execStart()).extracting(ExecCommand::path).containsExactly("/bin/b");
        assertThat(s.service().execStartPre()).extracting(ExecCommand::path).containsExactly("/bin/p1", "/bin/p2");
        assertThat(s.service().execStartPre().get(1).ignoresFailure()).isTrue();
        assertThat(s.service().execStartPost()).hasSize(1);
        assertThat(s.service().execStop()).isEmpty();
    }

    /** service_verify(): the refusals, each checked against systemd-analyze verify (252). */
    @Test
    void servicesSystemdRefuses() {
        assertThat(failure("t.service", "[Service]\nType=oneshot\n").reason())
                .endsWith("Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.");
        assertThat(failure("t.service", "[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n").reason())
                .endsWith("Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.");
        assertThat(failure("t.service", "[Service]\nType=simple\nExecStop=/bin/b\nRemainAfterExit=yes\n").reason())
                .endsWith("Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.");
        assertThat(failure("t.service", "[Service]\nExecStop=/bin/b\n").reason())
                .endsWith("does not have RemainAfterExit=yes set. Refusing.");
        assertThat(failure("t.service", "[Service]\nType=oneshot\nExecStart=/bin/a\nRestart=always\n").reason())
                .endsWith("which isn't allowed for Type=oneshot services. Refusing.");
        assertThat(failure("t.service", "[Service]\nType=dbus\nExecStart=/bin/a\n").reason())
                .endsWith("no D-Bus service name has been specified. Refusing.");
        assertThat(failure("t.service", "[Service]\nExecStart=bin/echo\n").reason())
                .isEqualTo("/run/tollgate/transient/t.service:2: [Service] ExecStart=: Neither a valid executable name nor an absolute path: bin/echo");
    }

    @Test
    void successActionAloneIsEnough() {
        // systemd-reboot.service has no command at all.
        assertThat(service("[Unit]\nSuccessAction=reboot-force\n").service().execStart()).isEmpty();
    }

    @Test
    void restartAndTimeouts() {
        ServiceConfig s = service("[Service]\nExecStart=/bin/x\nRestart=on-failure\nRestartSec=1min 30s\nTimeoutStartSec=0\n"
                + "TimeoutStopSec=500ms\n");
        assertThat(s.service().restart()).isEqualTo(RestartPolicy.ON_FAILURE);
        assertThat(s.service().restartSec()).isEqualTo(TimeSpan.ofSeconds(90));
        assertThat(s.service().timeoutStart()).isEqualTo(TimeSpan.INFINITY);
        assertThat(s.service().timeoutStop()).isEqualTo(TimeSpan.ofMillis(500));
        ServiceConfig both = service("[Service]\nExecStart=/bin/x\nTimeoutSec=2h\n");
        assertThat(both.service().timeoutStart()).isEqualTo(TimeSpan.ofSeconds(7200));
        assertThat(both.service().timeoutStop()).isEqualTo(TimeSpan.ofSeconds(7200));
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nRestartSec=5.s\nTimeoutStartSec=bogus\nRestart=sometimes\n"))
                .containsExactly("3: Failed to parse sec value, ignoring: 5.s",
                        "4: Failed to parse TimeoutStartSec= parameter, ignoring: bogus",
                        "5: Failed to parse service restart specifier, ignoring: sometimes");
    }

    @Test
    void killSettings() {
        ServiceConfig s = service("[Service]\nExecStart=/bin/x\nKillMode=mixed\nKillSignal=SIGINT\n");
        assertThat(s.kill()).isEqualTo(new KillContext(KillMode.MIXED, Signal.SIGINT));
        assertThat(service("[Service]\nExecStart=/bin/x\nKillSignal=9\nKillSignal=\n").kill().signal()).isEqualTo(Signal.SIGTERM);
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nKillMode=none\nKillSignal=sigterm\n"))
                .hasSize(2).last().isEqualTo("4: Failed to parse signal name, ignoring: sigterm");
    }

    @Test
    void userAndGroup() {
        ServiceConfig s = service("[Service]\nExecStart=/bin/x\nUser=www-data\nGroup=1000\n");
        assertThat(s.exec().user()).contains("www-data");
        assertThat(s.exec().group()).contains("1000");
        assertThat(service("[Service]\nExecStart=/bin/x\nUser=a\nUser=\n").exec().user()).isEmpty();
        assertThat(service("[Service]\nExecStart=/bin/x\nUser=%u\n").exec().user()).contains("root");
        assertThat(failure("t.service", "[Service]\nExecStart=/bin/x\nUser=a:b\n").reason())
                .endsWith("Invalid user/group name or numeric ID: a:b");
        assertThat(failure("t.service", "[Service]\nExecStart=/bin/x\nUser=65535\n").reason())
                .endsWith("Invalid user/group name or numeric ID: 65535");
    }

    @Test
    void workingDirectory() {
        assertThat(service("[Service]\nExecStart=/bin/x\nWorkingDirectory=/srv//app/\n").exec().workingDirectory())
                .isEqualTo(new WorkingDirectory.At(Path.of("/srv/app"), false));
        assertThat(service("[Service]\nExecStart=/bin/x\nWorkingDirectory=-~\n").exec().workingDirectory())
                .isEqualTo(new WorkingDirectory.Home(true));
        assertThat(service("[Service]\nExecStart=/bin/x\nWorkingDirectory=-relative\n").exec().workingDirectory())
                .isEqualTo(WorkingDirectory.UNSET);
        assertThat(failure("t.service", "[Service]\nExecStart=/bin/x\nWorkingDirectory=/a/../b\n").reason())
                .endsWith("WorkingDirectory= path is not normalized: /a/../b");
    }

    /** systemd.exec(5), Environment=: "Environment="VAR1=word1 word2" VAR2=word3 "VAR3=$word 5 6"". */
    @Test
    void environmentManExample() {
        ServiceConfig s = service("[Service]\nExecStart=/bin/x\nEnvironment=\"VAR1=word1 word2\" VAR2=word3 \"VAR3=$word 5 6\"\n");
        assertThat(s.exec().environment()).containsExactly(Map.entry("VAR1", "word1 word2"), Map.entry("VAR2", "word3"),
                Map.entry("VAR3", "$word 5 6"));
    }

    @Test
    void environmentReplacesInPlaceAndResets() {
        ServiceConfig s = service("[Service]\nExecStart=/bin/x\nEnvironment=A=1 B=2\nEnvironment=A=3 C=\\x41\\n\n");
        assertThat(s.exec().environment()).containsExactly(Map.entry("A", "3"), Map.entry("B", "2"), Map.entry("C", "A\n"));
        assertThat(service("[Service]\nExecStart=/bin/x\nEnvironment=A=1\nEnvironment=\nEnvironment=B=%n\n").exec().environment())
                .containsExactly(Map.entry("B", "t.service"));
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nEnvironment=A=1 1B=2 \"C=3 4\" D\n"))
                .containsExactly("3: Invalid environment assignment, ignoring: 1B=2", "3: Invalid environment assignment, ignoring: D");
    }

    @Test
    void environmentFiles() {
        assertThat(service("[Service]\nExecStart=/bin/x\nEnvironmentFile=/etc/default/x\nEnvironmentFile=-/etc/x.d//y\n")
                .exec().environmentFiles())
                .containsExactly(new EnvironmentFile(Path.of("/etc/default/x"), false), new EnvironmentFile(Path.of("/etc/x.d/y"), true));
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nEnvironmentFile=-rel\nEnvironmentFile=/x/../y\n"))
                .containsExactly("3: EnvironmentFile= path is not absolute, ignoring: rel",
                        "4: EnvironmentFile= path is not normalized, ignoring: /x/../y");
    }

    @Test
    void standardOutputAndError() {
        ServiceConfig s = service("[Service]\nExecStart=/bin/x\nStandardOutput=append:/var/log/x.log\nStandardError=null\n");
        assertThat(s.exec().standardOutput()).isEqualTo(new StandardOutput.File(Path.of("/var/log/x.log"), StandardOutput.Mode.APPEND));
        assertThat(s.exec().standardError()).isEqualTo(StandardOutput.NULL);
        assertThat(service("[Service]\nExecStart=/bin/x\nStandardOutput=file:/a/./b//c\n").exec().standardOutput())
                .isEqualTo(new StandardOutput.File(Path.of("/a/b/c"), StandardOutput.Mode.WRITE));
        assertThat(service("[Service]\nExecStart=/bin/x\nStandardOutput=truncate:/t\n").exec().standardOutput())
                .isEqualTo(new StandardOutput.File(Path.of("/t"), StandardOutput.Mode.TRUNCATE));
        LoadResult r = TestUnits.load("t.service", "[Service]\nExecStart=/bin/x\nStandardOutput=journal\nStandardError=journal+console\n");
        assertThat(r.diagnostics()).extracting(UnitFileDiagnostic::severity).containsExactly(LogLevel.NOTICE, LogLevel.NOTICE);
        assertThat(((ServiceConfig) ((LoadResult.Loaded) r).config()).exec().standardOutput()).isEqualTo(StandardOutput.INHERIT);
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nStandardOutput=file:relative\nStandardOutput=bogus\n"))
                .containsExactly("3: StandardOutput= path is not absolute, ignoring: relative",
                        "4: Failed to parse output specifier, ignoring: bogus");
    }

    @Test
    void execStartWithTheEnvironmentItWillSee() {
        ServiceConfig s = service("""
                [Service]
                Environment=ONE='one' "TWO='two two' too" THREE=
                ExecStart=/bin/echo ${ONE} ${TWO} ${THREE}
                """);
        assertThat(s.service().execStart().getFirst().expandArgv(s.exec().environment()))
                .containsExactly("/bin/echo", "one", "'two two' too", "");
    }

    @Test
    void unsupportedPrefixesWarn() {
        assertThat(messages("t.service", "[Service]\nExecStart=+/bin/x\n"))
                .containsExactly("2: The prefix '+' is not supported by tollgate and has no effect: /bin/x");
    }

    @Test
    void unknownAndUnimplementedDirectives() {
        assertThat(TestUnits.load("t.service", "[Service]\nExecStart=/bin/x\nCPUWeight=100\nBogus=1\nX-Mine=2\n[Unit]\nFoo=bar\n")
                .diagnostics()).extracting(UnitFileDiagnostic::toString).containsExactly(
                        "/run/tollgate/transient/t.service:3: [Service] CPUWeight=: Not implemented by tollgate, ignoring.",
                        "/run/tollgate/transient/t.service:4: [Service] Bogus=: Unknown key 'Bogus' in section [Service], ignoring.",
                        "/run/tollgate/transient/t.service:7: [Unit] Foo=: Unknown key 'Foo' in section [Unit], ignoring.");
    }

    @Test
    void theFirstFatalSettingStopsTheFileAsInSystemd() {
        LoadResult r = TestUnits.load("t.service", "[Service]\nExecStart=/bin/x\nUser=a:b\nBogus=1\n");
        assertThat(r.diagnostics()).extracting(UnitFileDiagnostic::line).containsExactly(3);
    }

    @Test
    void templateInstanceGoesToItsOwnSlice() {
        assertThat(service("getty@tty1.service", "[Service]\nExecStart=/sbin/agetty %I\n").slice())
                .isEqualTo(UnitName.of("system-getty.slice"));
        assertThat(service("a-b@x.service", "[Service]\nExecStart=/bin/x\n").slice())
                .isEqualTo(UnitName.of("system-a\\x2db.slice"));
        assertThat(service("[Service]\nExecStart=/bin/x\nSlice=web.slice\n").slice()).isEqualTo(UnitName.of("web.slice"));
        assertThat(messages("t.service", "[Service]\nExecStart=/bin/x\nSlice=foo.service\nSlice=\n")).containsExactly(
                "3: Failed to assign slice foo.service to unit t.service, ignoring: Invalid argument",
                "4: Failed to load slice unit , ignoring: Unit name  is not valid.");
    }

    @Test
    void unitSectionAndDependencies() {
        ServiceConfig s = service("web@blue.service", """
                [Unit]
                Description=Web %i on %H
                Documentation=man:web(8) https://example.org/web file:/usr/share/doc/web bogus http://
                After=network.target db.service
                After=db.service cache@.service
                Before=web@blue.service
                Requires=db.service "quoted.service"
                Wants=
                [Service]
                ExecStart=/usr/bin/web --colour=%i --name=%N
                """);
        assertThat(s.unit().description()).contains("Web blue on box.example.org");
        assertThat(s.unit().documentation()).containsExactly("man:web(8)", "https://example.org/web", "file:/usr/share/doc/web");
        assertThat(s.unit().after()).containsExactly(UnitName.of("network.target"), UnitName.of("db.service"),
                UnitName.of("cache@blue.service"));
        assertThat(s.unit().before()).isEmpty();
        assertThat(s.unit().requires()).containsExactly(UnitName.of("db.service"));
        assertThat(s.service().execStart().getFirst().argv()).containsExactly("/usr/bin/web", "--colour=blue", "--name=web@blue");
        assertThat(messages("web@blue.service", "[Unit]\nBefore=web@blue.service\nAfter=\"q.service\" x@%I.service\n"
                + "[Service]\nExecStart=/bin/x\n")).containsExactly(
                        "2: Dependency Before=web@blue.service is dropped.",
                        "3: Failed to add dependency on \"q.service\", ignoring: Invalid argument",
                        "3: Failed to resolve unit specifiers in 'x@%I.service', ignoring: unknown specifier %I");
    }

    /** systemd.unit(5), "Specifiers". */
    @Test
    void specifiers() {
        ServiceConfig s = service("foo-bar@a\\x2db-c.service", """
                [Service]
                ExecStart=/bin/echo %n %N %p %P %i %I %j %J %f %% %t %S %C %L %E %T %V %h %s %u %U %g %G %H %l %m %v %a %o %w %d
                """);
        assertThat(s.service().execStart().getFirst().argv()).containsExactly("/bin/echo",
                "foo-bar@a\\x2db-c.service", "foo-bar@a\\x2db-c", "foo-bar", "foo/bar", "a\\x2db-c", "a-b/c", "bar", "bar",
                "/a-b/c", "%", "/run", "/var/lib", "/var/cache", "/var/log", "/etc", "/tmp", "/var/tmp", "/root", "/bin/sh",
                "root", "0", "root", "0", "box.example.org", "box", "0123456789abcdef0123456789abcdef", "6.18.0", "x86-64",
                "debian", "12", "/run/credentials/foo-bar@a\\x2db-c.service");
        // %b (boot ID) is not known here: an unresolvable specifier fails ExecStart= as in systemd.
        assertThat(failure("t.service", "[Service]\nExecStart=/bin/echo %b\n").reason()).contains("boot ID is not known");
        assertThat(failure("t.service", "[Service]\nExecStart=/bin/echo %Z\n").reason()).contains("unknown specifier %Z");
        // Elsewhere it is a warning and the setting is ignored.
        assertThat(messages("t.service", "[Unit]\nDescription=%Z\n[Service]\nExecStart=/bin/x\n"))
                .containsExactly("2: Failed to resolve unit specifiers in '%Z', ignoring: unknown specifier %Z");
    }

    @Test
    void installSection() {
        ServiceConfig s = service("getty@tty2.service", """
                [Service]
                ExecStart=/sbin/agetty %I
                [Install]
                WantedBy=getty.target
                RequiredBy=foo@.target
                Alias=console@%i.service bad.socket
                Also=other.service
                DefaultInstance=tty1
                Bogus=1
                """);
        assertThat(s.install().wantedBy()).containsExactly(UnitName.of("getty.target"));
        assertThat(s.install().alias()).containsExactly(UnitName.of("console@tty2.service"));
        assertThat(s.install().also()).containsExactly(UnitName.of("other.service"));
        assertThat(s.install().defaultInstance()).contains("tty1");
        Path etc = Path.of("/etc/tollgate/units");
        Path file = Path.of("/usr/lib/tollgate/units/getty@.service");
        assertThat(s.install().enableLinks(etc, s.name(), file)).containsExactly(
                new EnableLink(etc.resolve("getty.target.wants/getty@tty2.service"), file, EnableLink.Kind.WANTS),
                new EnableLink(etc.resolve("foo@tty2.target.requires/getty@tty2.service"), file, EnableLink.Kind.REQUIRES),
                new EnableLink(etc.resolve("console@tty2.service"), file, EnableLink.Kind.ALIAS));
        assertThat(messages("getty@tty2.service", "[Service]\nExecStart=/bin/x\n[Install]\nAlias=bad.socket\nBogus=1\n"))
                .containsExactly("4: Alias bad.socket must have the same type as the unit getty@tty2.service, ignoring.",
                        "5: Unknown key 'Bogus' in section [Install], ignoring.");
    }

    @Test
    void diagnosticsNameFileLineSectionAndDirective() {
        UnitFileDiagnostic d = TestUnits.load("t.service", "[Service]\nExecStart=/bin/x\nRestart=sometimes\n").diagnostics().getFirst();
        assertThat(d.file()).contains(Path.of("/run/tollgate/transient/t.service"));
        assertThat(d.line()).isEqualTo(3);
        assertThat(d.section()).contains("Service");
        assertThat(d.directive()).contains("Restart");
        assertThat(d).hasToString("/run/tollgate/transient/t.service:3: [Service] Restart=: Failed to parse service restart specifier, ignoring: sometimes");
        assertThat(List.of(d.severity())).containsExactly(LogLevel.WARNING);
    }
}
