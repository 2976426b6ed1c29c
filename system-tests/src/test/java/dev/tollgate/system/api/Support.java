package dev.tollgate.system.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.PrivilegedCondition;
import dev.tollgate.varlink.VarlinkClient;
import dev.tollgate.varlink.VarlinkError;
import dev.tollgate.varlink.VarlinkException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What the API system tests share: clients, independent looks at cgroups and processes, commands. */
final class Support {
    private Support() {}

    /** The cgroup2 mount of this host (/sys/fs/cgroup or /sys/fs/cgroup/unified). */
    static final Path CGROUP2 = PrivilegedCondition.Host.cgroup2Mount().orElseThrow();

    /** A typed client (the api module's) with a reply timeout, so that a hung daemon fails the test. */
    static ManagerClient client(TollgatedProcess daemon) throws IOException {
        return ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(60)));
    }

    @FunctionalInterface
    interface Call {
        Object call() throws Exception;
    }

    /** The Varlink error a call ended with; fails when it succeeded. */
    static VarlinkError error(Call call) throws Exception {
        try {
            Object reply = call.call();
            return fail("expected an error reply, got " + reply);
        } catch (VarlinkException e) {
            return e.error();
        }
    }

    /** A unit's cgroup directory, from the controlGroup GetUnit reports (relative to the mount). */
    static Path cgroupDir(String controlGroup) {
        assertThat(controlGroup).startsWith("/");
        return CGROUP2.resolve(controlGroup.substring(1));
    }

    /** The pids in a cgroup and below it, read from cgroup.procs; empty when the cgroup is gone. */
    static List<Long> procsBelow(Path cgroup) throws IOException {
        List<Long> out = new ArrayList<>();
        if (!Files.isDirectory(cgroup)) return out;
        try (var s = Files.walk(cgroup)) {
            for (Path dir : s.filter(Files::isDirectory).toList()) {
                Path procs = dir.resolve("cgroup.procs");
                if (!Files.exists(procs)) continue;
                try {
                    for (String line : Files.readAllLines(procs)) if (!line.isBlank()) out.add(Long.parseLong(line.trim()));
                } catch (IOException gone) {
                    // removed while walking
                }
            }
        }
        return out;
    }

    /** The cgroup v2 path of a process as the kernel reports it (/proc/PID/cgroup), if it lives. */
    static Optional<String> cgroupOfPid(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
                if (line.startsWith("0::")) return Optional.of(line.substring(3));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    static boolean alive(long pid) {
        // A zombie still has a ProcessHandle; /proc/PID/stat's state says whether it really runs.
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** The number of open file descriptors of a process. */
    static int fdCount(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }

    static int threadCount(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) return Integer.parseInt(line.substring(8).trim());
        }
        throw new IOException("no Threads: line for " + pid);
    }

    /** Lets other users reach the socket: Files.createTempDirectory makes the work directory 0700. */
    static void openToEveryone(TollgatedProcess daemon) throws IOException {
        Files.setPosixFilePermissions(daemon.work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(daemon.state, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    record Result(int exit, String stdout, String stderr) {}

    /** Runs a command to its end (killed after {@code timeout}), feeding {@code stdin}. */
    static Result run(Duration timeout, String stdin, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread e = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException closedEarly) {
            // the command did not want all of its input
        }
        timeout = Await.atLeastSafetyNet(timeout);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            fail("%s did not finish within %s", command, timeout);
        }
        o.join();
        e.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process went away
        }
    }

    /** Polls the unit until {@code activeState} (e.g. after a process exits by itself). */
    static UnitInfo awaitState(ManagerClient c, String unit, String activeState, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + Await.atLeastSafetyNet(timeout).toNanos();
        UnitInfo u = c.getUnit(unit);
        while (!u.activeState().wireName().equals(activeState)) {
            if (System.nanoTime() > deadline) fail("%s stayed %s/%s, expected %s", unit, u.activeState().wireName(), u.subState(), activeState);
            Thread.sleep(20);
            u = c.getUnit(unit);
        }
        return u;
    }

    /**
     * Waits until a just-started unit's main process is in the unit's cgroup. StartUnit answers
     * before that (see ManagerMethodsTest.startUnitReturnsOnlyOnceTheMainProcessIsInTheUnitsCgroupAndAnImmediateStopEndsIt),
     * and a StopUnit in that window leaks the process or waits out TimeoutStopSec=; tests that
     * are about something else step around that daemon bug with this.
     */
    static void settle(ManagerClient c, String unit) throws Exception {
        UnitInfo u = c.getUnit(unit);
        if (u.mainPID() == null || u.controlGroup() == null) return;
        settle(u.mainPID(), u.controlGroup());
    }

    /** As {@link #settle(ManagerClient, String)}, for a pid and control group read by other means. */
    static void settle(long pid, String controlGroup) throws InterruptedException {
        long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
        while (alive(pid) && !cgroupOfPid(pid).equals(Optional.of(controlGroup))) {
            if (System.nanoTime() > deadline) fail("pid %d never entered %s", pid, controlGroup);
            Thread.sleep(5);
        }
    }

    /** A condition for polling that may throw: false when it does. */
    static boolean check(java.util.concurrent.Callable<Boolean> condition) {
        try {
            return condition.call();
        } catch (Exception e) {
            return false;
        }
    }

    static String readOr(Path p, String otherwise) {
        try {
            return Files.exists(p) ? Files.readString(p).trim() : otherwise;
        } catch (IOException e) {
            return otherwise;
        }
    }
}
