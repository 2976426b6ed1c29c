package dev.tollgate.daemon;

import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.exec.EnvironmentFiles;
import dev.tollgate.units.exec.ExecCommand;
import dev.tollgate.units.exec.StandardOutput;
import dev.tollgate.units.exec.WorkingDirectory;
import dev.tollgate.units.syntax.TimeSpan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a service's commands are run (systemd's execute.c): the environment, the working
 * directory and outputs of a spawn request, the time limits, and a failure's reason on one line.
 */
final class Execute {
    /** What an infinite (or zero) time limit becomes. */
    static final Duration FOREVER = Duration.ofDays(3650);

    private Execute() {}

    static Map<String, String> environment(ServiceConfig c, Credentials creds) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", Spawner.DEFAULT_PATH);
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        env.put("INVOCATION_ID", HexFormat.of().formatHex(id));
        if (c.exec().user().isPresent()) {
            env.put("USER", creds.userName());
            env.put("LOGNAME", creds.userName());
            env.put("HOME", creds.home().toString());
            env.put("SHELL", creds.shell());
        }
        env.putAll(c.exec().environment());
        for (var f : c.exec().environmentFiles()) {
            switch (EnvironmentFiles.read(f)) {
                case EnvironmentFiles.Result.Read r -> env.putAll(r.parsed().variables());
                case EnvironmentFiles.Result.Failed x ->
                        throw new IllegalArgumentException("Failed to load environment file " + x.path() + ": " + x.reason());
            }
        }
        return env;
    }

    static Spawner.Request request(CgroupOps.UnitCgroup cg, ServiceConfig c, ExecCommand cmd, Map<String, String> env,
                                   Credentials creds) {
        Path wd = switch (c.exec().workingDirectory()) {
            case WorkingDirectory.Unset un -> Path.of("/");
            case WorkingDirectory.Home h -> Files.isDirectory(creds.home()) || !h.missingOk() ? creds.home() : Path.of("/");
            case WorkingDirectory.At at -> Files.isDirectory(at.path()) || !at.missingOk() ? at.path() : Path.of("/");
        };
        return new Spawner.Request(cg.directory(), cmd.path(), cmd.expandArgv(env), env, wd, creds,
                output(c.exec().standardOutput()), output(c.exec().standardError()));
    }

    private static Spawner.Output output(StandardOutput o) {
        return switch (o) {
            case StandardOutput.Inherit i -> new Spawner.Output.Inherit();
            case StandardOutput.Null n -> new Spawner.Output.Null();
            case StandardOutput.File f -> new Spawner.Output.ToFile(f.path(), f.mode() == StandardOutput.Mode.APPEND);
        };
    }

    /**
     * {@link #oneLine} of the exception's message; its class where it has none (an exception
     * without a message must still fail the start as resources, not leave the unit activating).
     */
    static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getName() : oneLine(e.getMessage());
    }

    /**
     * A kernel error for status, on one line: a refused program's verifier log can run to
     * thousands of lines, and its last line before the statistics ("processed N insns ...")
     * says why ("unreachable insn 10"); the whole log goes to the daemon's debug log.
     */
    static String oneLine(String message) {
        int log = message.indexOf("\nverifier log:\n");
        if (log < 0) return message.replace('\n', ' ');
        List<String> lines = message.substring(log + "\nverifier log:\n".length()).strip().lines()
                .filter(l -> !l.isBlank() && !l.startsWith("processed ") && !l.startsWith("verification time")
                        && !l.startsWith("stack depth"))
                .toList();
        return message.substring(0, log).replace('\n', ' ') + (lines.isEmpty() ? "" : "; verifier: " + lines.getLast());
    }

    /** RestartSec=: zero is at once, as systemd's. */
    static Duration delay(TimeSpan t) {
        if (t.isInfinite()) return FOREVER;
        return Duration.ofNanos(t.micros() * 1000);
    }

    /** A time limit (TimeoutStartSec=, TimeoutStopSec=): zero and infinity mean none. */
    static Duration duration(TimeSpan t) {
        if (t.isInfinite() || t.micros() == 0) return FOREVER;
        return Duration.ofNanos(t.micros() * 1000);
    }
}
