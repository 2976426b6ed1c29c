package dev.tollgate.units;

import dev.tollgate.units.exec.ExecCommand;
import dev.tollgate.units.exec.RestartPolicy;
import dev.tollgate.units.exec.ServiceType;
import dev.tollgate.units.syntax.TimeSpan;
import java.util.List;
import java.util.Objects;

/**
 * The {@code [Service]} settings of systemd.service(5) that make the service's life cycle. The
 * values are the effective ones: defaults applied ({@code Type=simple} with an {@code ExecStart=},
 * {@code oneshot} without; 90 s timeouts, none to start a oneshot; 100 ms between restarts).
 * A oneshot may have no command at all when {@code SuccessAction=} (not implemented by tollgate)
 * is what it is for, as systemd allows.
 */
public record ServiceSection(
        ServiceType type,
        List<ExecCommand> execStartPre,
        List<ExecCommand> execStart,
        List<ExecCommand> execStartPost,
        List<ExecCommand> execStop,
        RestartPolicy restart,
        TimeSpan restartSec,
        TimeSpan timeoutStart,
        TimeSpan timeoutStop,
        boolean remainAfterExit) {

    public static final TimeSpan DEFAULT_TIMEOUT = TimeSpan.ofSeconds(90);
    public static final TimeSpan DEFAULT_RESTART_SEC = TimeSpan.ofMillis(100);

    public ServiceSection {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(restartSec, "restartSec");
        Objects.requireNonNull(timeoutStart, "timeoutStart");
        Objects.requireNonNull(timeoutStop, "timeoutStop");
        execStartPre = List.copyOf(execStartPre);
        execStart = List.copyOf(execStart);
        execStartPost = List.copyOf(execStartPost);
        execStop = List.copyOf(execStop);
        if (type != ServiceType.ONESHOT && execStart.size() != 1) {
            throw new IllegalArgumentException("Type=" + type + " needs exactly one ExecStart=");
        }
    }
}
