package dev.tollgate.daemon;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a service's process so that it is in its cgroup before it execs the command: a
 * bash wrapper writes its own pid to the cgroup's {@code cgroup.procs}, then execs (through
 * {@code setpriv} when the service has a User=) the command, keeping the pid. A socket
 * the service opens as its very first act is therefore charged to the unit. The wrapper runs
 * in a new session, so a Ctrl-C meant for a foreground daemon does not reach services.
 * bash and setpriv are essential packages on Debian; plain sh cannot set argv[0].
 */
public final class Spawner {
    /** systemd's default search path for services. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Exit status of the wrapper when it cannot enter the cgroup (systemd's EXIT_CGROUP). */
    public static final int EXIT_CGROUP = 219;
    /** Exit status when the command cannot be executed: missing, not executable (systemd's EXIT_EXEC). */
    public static final int EXIT_EXEC = 203;

    /** Become the command; if exec fails (bash has said why on stderr), exit as systemd's child does. */
    private static final String EXEC = "shopt -s execfail; exec -a \"$1\" \"${@:2}\"; exit " + EXIT_EXEC;

    /**
     * Enter the cgroup, set systemd's default soft limit of open files (the JVM raised its own
     * to the hard limit, and services would inherit that), then become the command.
     */
    private static final String SCRIPT = "echo $$ > \"$0\" || exit " + EXIT_CGROUP
            + "; ulimit -Sn 1024 2>/dev/null; " + EXEC;

    /** How a stream of the service is connected. */
    public sealed interface Output {
        record Inherit() implements Output {}

        record Null() implements Output {}

        record ToFile(Path path, boolean append) implements Output {}
    }

    /** Everything to start one process. */
    public record Request(Path cgroup, String executable, List<String> argv, Map<String, String> environment,
                          Path workingDirectory, Credentials credentials, Output stdout, Output stderr) {
        public Request {
            argv = List.copyOf(argv);
            environment = Map.copyOf(environment);
            if (argv.isEmpty()) throw new IllegalArgumentException("argv needs argv[0]");
        }
    }

    private Spawner() {}

    public static Process spawn(Request r) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setsid", "/bin/bash", "-c", SCRIPT,
                r.cgroup().resolve("cgroup.procs").toString(), r.argv().getFirst()));
        if (!r.credentials().isRoot()) {
            cmd.addAll(List.of("/usr/bin/setpriv", "--reuid=" + r.credentials().uid(), "--regid=" + r.credentials().gid(),
                    r.credentials().userName().matches("[0-9]+") ? "--clear-groups" : "--init-groups",
                    "--", "/bin/bash", "-c", EXEC, "setpriv", r.argv().getFirst()));
        }
        cmd.add(r.executable());
        cmd.addAll(r.argv().subList(1, r.argv().size()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(r.environment());
        if (r.workingDirectory() != null) pb.directory(r.workingDirectory().toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(redirect(r.stdout()));
        pb.redirectError(redirect(r.stderr()));
        return pb.start();
    }

    private static ProcessBuilder.Redirect redirect(Output o) {
        return switch (o) {
            case Output.Inherit i -> ProcessBuilder.Redirect.INHERIT;
            case Output.Null n -> ProcessBuilder.Redirect.DISCARD;
            case Output.ToFile f -> f.append() ? ProcessBuilder.Redirect.appendTo(f.path().toFile())
                    : ProcessBuilder.Redirect.to(f.path().toFile());
        };
    }
}
