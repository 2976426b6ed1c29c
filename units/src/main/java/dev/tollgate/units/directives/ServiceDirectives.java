package dev.tollgate.units.directives;

import dev.tollgate.units.LogLevel;
import dev.tollgate.units.ServiceSection;
import dev.tollgate.units.exec.CommandLineParser;
import dev.tollgate.units.exec.ExecCommand;
import dev.tollgate.units.exec.ExecFlag;
import dev.tollgate.units.exec.RestartPolicy;
import dev.tollgate.units.exec.ServiceType;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.TimeSpan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code [Service]} directives of systemd.service(5) that tollgate implements: {@code Type=},
 * the command lists {@code ExecStartPre= ExecStart= ExecStartPost= ExecStop=}, {@code Restart=
 * RestartSec= TimeoutSec= TimeoutStartSec= TimeoutStopSec= RemainAfterExit=}.
 */
public final class ServiceDirectives {

    private ServiceDirectives() {}

    /** The [Service] settings while they are being read. */
    public static final class Draft {
        /** Empty until set: the default depends on whether there is an {@code ExecStart=}. */
        Optional<ServiceType> type = Optional.empty();
        final List<ExecCommand> execStartPre = new ArrayList<>();
        final List<ExecCommand> execStart = new ArrayList<>();
        final List<ExecCommand> execStartPost = new ArrayList<>();
        final List<ExecCommand> execStop = new ArrayList<>();
        RestartPolicy restart = RestartPolicy.NO;
        TimeSpan restartSec = ServiceSection.DEFAULT_RESTART_SEC;
        Optional<TimeSpan> timeoutStart = Optional.empty();
        TimeSpan timeoutStop = ServiceSection.DEFAULT_TIMEOUT;
        boolean remainAfterExit;
        /** Not implemented, but systemd requires it for Type=dbus (service_verify()). */
        boolean busName;

        /** systemd's {@code service_add_extras()}: the type a service gets when none is set. */
        ServiceType effectiveType() {
            return type.orElse(busName ? ServiceType.DBUS : execStart.isEmpty() ? ServiceType.ONESHOT : ServiceType.SIMPLE);
        }

        ServiceSection build() {
            ServiceType t = effectiveType();
            // Oneshot services have no start timeout unless one is set (service_load()).
            TimeSpan start = timeoutStart.orElse(t == ServiceType.ONESHOT ? TimeSpan.INFINITY : ServiceSection.DEFAULT_TIMEOUT);
            return new ServiceSection(t, execStartPre, execStart, execStartPost, execStop, restart, restartSec, start,
                    timeoutStop, remainAfterExit);
        }
    }

    static void register(DirectiveTable t) {
        t.add("Service", "Type", ServiceDirectives::type);
        t.add("Service", "ExecStartPre", (d, a, c) -> exec(d.service.execStartPre, a, c));
        t.add("Service", "ExecStart", (d, a, c) -> exec(d.service.execStart, a, c));
        t.add("Service", "ExecStartPost", (d, a, c) -> exec(d.service.execStartPost, a, c));
        t.add("Service", "ExecStop", (d, a, c) -> exec(d.service.execStop, a, c));
        t.add("Service", "Restart", ServiceDirectives::restart);
        t.add("Service", "RestartSec", (d, a, c) -> Directives.sec(a, c).ifPresent(v -> d.service.restartSec = v));
        t.add("Service", "TimeoutSec", (d, a, c) -> timeoutStart(d, a, c, true));
        t.add("Service", "TimeoutStartSec", (d, a, c) -> timeoutStart(d, a, c, false));
        t.add("Service", "TimeoutStopSec", (d, a, c) -> Directives.secFixZero(a, c).ifPresent(v -> d.service.timeoutStop = v));
        t.add("Service", "RemainAfterExit", (d, a, c) -> Directives.bool(a, c).ifPresent(b -> d.service.remainAfterExit = b));
        t.add("Service", "BusName", (d, a, c) -> {
            d.service.busName = !a.isEmpty();
            c.warn("Not implemented by tollgate, ignoring.");
        });
    }

    private static void type(UnitDraft d, Assignment a, ParseContext c) {
        Optional<ServiceType> t = ServiceType.parse(a.value());
        if (t.isEmpty()) {
            c.warn("Failed to parse service type, ignoring: " + a.value());
            return;
        }
        if (!t.get().isSupported()) {
            c.warn("Type=" + t.get() + " is not supported by tollgate: the unit loads, but cannot be started.");
        }
        d.service.type = t;
    }

    /** {@code config_parse_exec()}: commands are appended; empty resets the list. */
    private static void exec(List<ExecCommand> into, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            into.clear();
            return;
        }
        CommandLineParser.Result r = CommandLineParser.parse(a.value(), c::fullSpecifiers, c::fullSpecifiers);
        for (CommandLineParser.Issue issue : r.issues()) {
            c.report(issue.severity(), issue.message());
        }
        if (r.fatal()) {
            return;
        }
        for (ExecCommand cmd : r.commands()) {
            for (ExecFlag f : cmd.flags()) {
                if (!f.isSupported()) {
                    c.report(LogLevel.WARNING, "The prefix '" + f.prefix() + "' is not supported by tollgate and has no effect: "
                            + cmd.path());
                }
            }
        }
        into.addAll(r.commands());
    }

    private static void restart(UnitDraft d, Assignment a, ParseContext c) {
        Optional<RestartPolicy> r = RestartPolicy.parse(a.value());
        if (r.isEmpty()) {
            c.warn("Failed to parse service restart specifier, ignoring: " + a.value());
            return;
        }
        d.service.restart = r.get();
    }

    /** {@code config_parse_service_timeout()}: 0 is infinity; {@code TimeoutSec=} sets the stop timeout too. */
    private static void timeoutStart(UnitDraft d, Assignment a, ParseContext c, boolean alsoStop) {
        Optional<TimeSpan> t = TimeSpan.parseFixZero(a.value());
        if (t.isEmpty()) {
            c.warn("Failed to parse " + a.key() + "= parameter, ignoring: " + a.value());
            return;
        }
        d.service.timeoutStart = t;
        if (alsoStop) {
            d.service.timeoutStop = t.get();
        }
    }
}
