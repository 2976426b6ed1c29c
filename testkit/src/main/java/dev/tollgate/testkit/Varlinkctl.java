package dev.tollgate.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * systemd's {@code varlinkctl}, to check our Varlink servers with systemd's own client and IDL
 * parser. Debian 12 has none (it came with systemd 255), so it runs from a Debian trixie root
 * (systemd 257) that {@code scripts/trixie-root.sh} builds and {@code .ci/run} names in
 * {@value #ROOT_ENV}: chrooted, in a private mount namespace of its own where the directories
 * of the sockets and files it is given are bind-mounted into the root (under a tmpfs on the
 * root's /run, so nothing is written to the root, which other tools share, and every mount ends
 * with the process). A varlinkctl on PATH is used where there is no root.
 *
 * <p>Without either the test is skipped: with {@value #UNREACHABLE_ENV}'s reason when CI could
 * not build the root because debootstrap could not reach the archive (scripts/test-summary
 * accepts that skip only then), otherwise as a privileged test, which fails CI as root.
 */
public final class Varlinkctl {
    /** Where the trixie root is (default {@link #DEFAULT_ROOT}). */
    public static final String ROOT_ENV = "TOLLGATE_TRIXIE_ROOT";
    /** Set by .ci/run to the reason when debootstrap could not reach the archive. */
    public static final String UNREACHABLE_ENV = "TOLLGATE_TRIXIE_ROOT_UNREACHABLE";
    public static final Path DEFAULT_ROOT = Path.of("/var/tmp/trixie-root");
    public static final String UNREACHABLE_SKIP_PREFIX = "varlinkctl test skipped: ";
    /** Inside the root, where the n-th shared host directory appears. */
    private static final String SHARED = "/run/tollgate-host/";

    /** How varlinkctl is run. */
    private sealed interface Where permits InRoot, OnPath {}

    private record InRoot(Path root) implements Where {}

    private record OnPath(Path binary) implements Where {}

    /** A finished run. */
    public record Run(int exit, String out, String err) {
        /** Output for assertion messages. */
        public String describe() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private final Where where;

    private Varlinkctl(Where where) {
        this.where = where;
    }

    /** varlinkctl, or the test is skipped saying why (see the class comment). */
    public static Varlinkctl require() {
        Path root = Optional.ofNullable(System.getenv(ROOT_ENV)).filter(s -> !s.isEmpty()).map(Path::of).orElse(DEFAULT_ROOT);
        boolean rootHasIt = Files.isExecutable(root.resolve("usr/bin/varlinkctl"));
        boolean isRoot = PrivilegedCondition.Host.isRoot();
        if (rootHasIt && isRoot) {
            return new Varlinkctl(new InRoot(root));
        }
        Optional<Path> onPath = PrivilegedCondition.Host.findCommand("varlinkctl");
        if (onPath.isPresent()) {
            return new Varlinkctl(new OnPath(onPath.get()));
        }
        String unreachable = System.getenv(UNREACHABLE_ENV);
        if (unreachable != null && !unreachable.isEmpty()) {
            Assumptions.abort(UNREACHABLE_SKIP_PREFIX + unreachable);
        }
        String why = !isRoot
                ? "not running as root (uid " + PrivilegedCondition.Host.euid() + "), which chroot into " + root + " needs"
                : "no varlinkctl in " + root + " (scripts/trixie-root.sh builds that Debian trixie root, as .ci/run does)";
        Assumptions.abort(PrivilegedCondition.SKIP_PREFIX + why + ", and none on PATH (it comes with systemd 255 or newer)");
        throw new AssertionError("unreachable");
    }

    /** Which varlinkctl this is, for the test's output. */
    @Override
    public String toString() {
        return switch (where) {
            case InRoot r -> "varlinkctl in the trixie root " + r.root();
            case OnPath p -> p.binary().toString();
        };
    }

    /**
     * The command line for {@code varlinkctl --no-pager ARGS}. Each argument is a String, given
     * as is, or a Path (a socket or file of the host), given as where varlinkctl sees it.
     */
    public List<String> command(Object... args) {
        List<String> tail = new ArrayList<>();
        Map<Path, Integer> shared = new LinkedHashMap<>();
        for (Object a : args) {
            switch (a) {
                case String s -> tail.add(s);
                case Path p when where instanceof InRoot -> {
                    Path abs = p.toAbsolutePath();
                    int n = shared.computeIfAbsent(abs.getParent(), k -> shared.size());
                    tail.add(SHARED + n + "/" + abs.getFileName());
                }
                case Path p -> tail.add(p.toAbsolutePath().toString());
                default -> throw new IllegalArgumentException("a varlinkctl argument is a String or a Path, not " + a.getClass());
            }
        }
        List<String> cmd = new ArrayList<>();
        switch (where) {
            case OnPath p -> cmd.add(p.binary().toString());
            case InRoot r -> {
                // unshare(1) makes the mount namespace private (no propagation to the host); the
                // shell mounts, then execs chroot, which execs varlinkctl: the process we start is
                // varlinkctl itself, and its namespace with every mount goes when it exits.
                // /proc is needed: sd-varlink connects to a socket path through /proc/self/fd/N.
                cmd.addAll(List.of("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", """
                        set -e
                        root=$1; n=$2; shift 2
                        mount -t tmpfs -o mode=0755 tollgate-varlinkctl "$root/run"
                        mount -t proc proc "$root/proc" 2>/dev/null || mount --rbind /proc "$root/proc"
                        i=0
                        while [ "$i" -lt "$n" ]; do
                            mkdir -p "$root%1$s$i"
                            mount --bind "$1" "$root%1$s$i"
                            shift; i=$((i + 1))
                        done
                        exec chroot "$root" "$@"
                        """.formatted(SHARED), "sh", r.root().toString(), Integer.toString(shared.size())));
                shared.keySet().forEach(d -> cmd.add(d.toString()));
                cmd.add("varlinkctl");
            }
        }
        cmd.add("--no-pager");
        cmd.addAll(tail);
        return cmd;
    }

    /**
     * Starts varlinkctl (e.g. a {@code call --more} that streams): stdout is the process's
     * input stream, stderr goes to the test's output.
     */
    public Process start(Object... args) throws IOException {
        Process p = new ProcessBuilder(command(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        return p;
    }

    /** {@link #run}, failing the test (with what varlinkctl said) unless it exits 0. */
    public Run ok(Object... args) throws IOException, InterruptedException {
        Run r = run(args);
        if (r.exit() != 0) throw new AssertionError("varlinkctl failed: " + r.describe());
        return r;
    }

    /** Runs varlinkctl to its end. The limit only guards against a hang; it is generous. */
    public Run run(Object... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("varlinkctl-out", ".txt");
        Path err = Files.createTempFile("varlinkctl-err", ".txt");
        Process p = null;
        try {
            p = new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                throw new AssertionError("varlinkctl " + List.of(args) + " did not end:\n" + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
