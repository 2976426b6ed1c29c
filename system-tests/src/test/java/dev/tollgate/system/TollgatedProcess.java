package dev.tollgate.system;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.accounting.PinLayout;
import dev.tollgate.bpf.Pins;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.PrivilegedCondition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The real tollgated in its own JVM, on a unique cgroup root, units directory, socket,
 * state directory and bpffs directory; everything it or the test made is removed on close,
 * whatever happened.
 */
@SuppressWarnings("try")
public final class TollgatedProcess implements AutoCloseable {
    public final String id = UUID.randomUUID().toString().substring(0, 8);
    public final Path work;
    public final Path units;
    public final Path state;
    public final Path socket;
    public final Path bpffs;
    public final String cgroupRootName = "tollgate-test-sys-" + id;
    public final Path cgroupRoot;
    public final Path log;
    private Process process;
    private final List<String> extraArgs = new ArrayList<>();
    private final List<String> wrapper = new ArrayList<>();
    private Path bpffsDir;

    public TollgatedProcess() throws IOException {
        work = Files.createTempDirectory("tollgate-test-" + id);
        units = Files.createDirectories(work.resolve("units"));
        state = Files.createDirectories(work.resolve("state"));
        socket = state.resolve("io.tollgate.Manager");
        bpffs = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + id);
        cgroupRoot = PrivilegedCondition.Host.cgroup2Mount().orElseThrow().resolve(cgroupRootName);
        log = work.resolve("tollgated.log");
    }

    /** Pins go to this directory instead of the test's own under /sys/fs/bpf (which close() still removes). */
    public TollgatedProcess bpffsDir(Path dir) {
        bpffsDir = dir;
        return this;
    }

    public TollgatedProcess args(String... args) {
        extraArgs.addAll(List.of(args));
        return this;
    }

    /** Replaces the extra arguments given so far, for the next start. */
    public TollgatedProcess replaceArgs(String... args) {
        extraArgs.clear();
        return args(args);
    }

    /** Writes a unit file; with {@code enabled}, links it into multi-user.target.wants. */
    public TollgatedProcess unit(String name, String text, boolean enabled) throws IOException {
        Files.writeString(units.resolve(name), text);
        if (enabled) {
            Path wants = Files.createDirectories(units.resolve("multi-user.target.wants"));
            Path link = wants.resolve(name);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, units.resolve(name));
        }
        return this;
    }

    /** Runs the daemon through a wrapper command (e.g. capsh), its argv appended. */
    public TollgatedProcess wrap(List<String> prefix) {
        wrapper.clear();
        wrapper.addAll(prefix);
        return this;
    }

    public List<String> command() {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.tollgate.daemon.Tollgated", "--config", "/dev/null", "--units-path", units.toString(),
                "--cgroup-root", "/" + cgroupRootName, "--bpffs-dir", (bpffsDir == null ? bpffs : bpffsDir).toString(), "--state-dir", state.toString(),
                "--socket", socket.toString()));
        cmd.addAll(extraArgs);
        return cmd;
    }

    /** Starts the daemon and waits until it says it is running. */
    public TollgatedProcess start() throws IOException, InterruptedException {
        int before = Files.exists(log) ? Files.readAllLines(log).size() : 0;
        process = new ProcessBuilder(command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitLog("tollgated is running", before, Duration.ofSeconds(60));
        return this;
    }

    /**
     * Starts the daemon without waiting for it to come up, for a kill at a random moment of its
     * start-up (re-adoption); returns the log line from which this run's lines start.
     */
    public int spawn() throws IOException {
        int before = logLineCount();
        process = new ProcessBuilder(command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return before;
    }

    /** How many lines the log has now (for {@link #awaitLog} from this point on). */
    public int logLineCount() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Waits for a line with {@code text} from {@code fromLine} on; {@code timeout} is raised to {@link Await#SAFETY_NET}. */
    public void awaitLog(String text, int fromLine, Duration timeout) throws IOException, InterruptedException {
        timeout = Await.atLeastSafetyNet(timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            for (int i = fromLine; i < lines.size(); i++) if (lines.get(i).contains(text)) return;
            if (process != null && !process.isAlive()) throw new IllegalStateException("tollgated exited:\n" + logText());
            Thread.sleep(50);
        }
        throw new IllegalStateException("no '" + text + "' in the log within " + timeout + ":\n" + logText());
    }

    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** SIGKILL: the daemon dies at once; its services and kernel objects stay. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS);
    }

    /** SIGTERM and wait for the clean exit. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    public void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    public Path unitCgroup(String slicePath, String unit) {
        return cgroupRoot.resolve(slicePath).resolve(unit);
    }

    /** A unit's counters, read straight from its pins (independent of the daemon's API). */
    public Optional<CounterSums> pinnedCounters(String unit, boolean slice) {
        PinLayout layout = new PinLayout(bpffs);
        if (slice) return dev.tollgate.accounting.SliceCounters.readPinned(layout.slice(unit));
        return dev.tollgate.accounting.UnitDatapath.readPinned(layout, unit);
    }

    /**
     * Polls {@code condition} until it holds. {@code timeout} says how long the event takes on an
     * idle machine; the wait gives up only after {@link Await#SAFETY_NET} (or {@code timeout} if
     * longer), so that a busy machine does not fail the test.
     */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Duration patience = Await.atLeastSafetyNet(timeout);
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("gave up after " + patience.toSeconds() + " s waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        if (alive()) stop();
        // Whatever is left (a test that killed the daemon): processes, cgroups, pins, files.
        if (Files.exists(cgroupRoot)) {
            try (Stream<Path> s = Files.walk(cgroupRoot)) {
                for (Path dir : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    Path kill = dir.resolve("cgroup.kill");
                    if (Files.exists(kill)) Files.writeString(kill, "1");
                    Await.until("cgroup " + dir + " to empty and go", () -> {
                        try {
                            Files.deleteIfExists(dir);
                            return true;
                        } catch (IOException busy) {
                            return false;
                        }
                    });
                }
            }
        }
        Pins.removeTree(bpffs);
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    public static String python(String script) {
        return "/usr/bin/python3 -c " + quote(script);
    }

    public static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("%", "%%").replace("$", "$$") + "\"";
    }

    public static String readAll(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
