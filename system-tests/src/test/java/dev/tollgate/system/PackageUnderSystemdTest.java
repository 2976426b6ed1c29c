package dev.tollgate.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.system.SystemdOracle.Result;
import dev.tollgate.testkit.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Debian package under systemd, in a container (issue 12, point 4): tollgated.service from
 * the .deb, started by systemd 252 as PID 1 of private namespaces (the systemd oracle). Its mount
 * table still lists the host's cgroup2 (rooted at {@code /..} in its cgroup namespace) and bpffs
 * under its fresh {@code /sys}; before statfs decided, tollgated.service exited 1 at every start.
 *
 * <p>How the package gets in without touching the host: the oracle runs on the host's root
 * file system, so dpkg inside it would install into the host's {@code /usr} and {@code /etc} and
 * its database. Instead the .deb is unpacked with {@code dpkg-deb -x} into the instance's own
 * directory and laid over {@code /usr} (read-only overlay: the package's files above the
 * host's) and {@code /etc} (overlay with an upper directory of the test's, where
 * {@code tollctl enable} writes its links) inside the instance's mount namespace only. Inside,
 * the files are at the paths dpkg would put them (merged /usr: the package's
 * {@code /lib/systemd/system} in {@code /usr/lib/systemd/system}). The instance's unit search
 * path is its own {@code units/} directory; the package's {@code tollgated.service} is linked
 * there. The maintainer scripts are not run: they enable the unit for multi-user.target and
 * record that under the host's {@code /var/lib}; packaging/deb/test-in-debootstrap.sh runs them
 * in a root of their own.
 *
 * <p>The one addition to the package's unit is a drop-in that sends tollgated's output to a file
 * of the test: the instance runs no journald.
 */
@Privileged(commands = {"python3", "bpftool", "dpkg-deb", "nsenter", "unshare", "script"})
class PackageUnderSystemdTest {
    /** Guards against a hang, not measures: a busy machine may be slow, but not this slow. */
    private static final Duration GUARD = Duration.ofMinutes(2);
    private static final int DATAGRAMS = 10;
    private static final int PAYLOAD = 100;
    /** skb->len of each datagram: IPv4 header, UDP header, payload. */
    private static final int IP_PACKET_BYTES = 20 + 8 + PAYLOAD;

    private static Path repo() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    }

    @Test
    void tollgatedServiceRunsEnabledUnitsInItsDelegatedSubtreeReloadsAndStopsClean() throws Exception {
        Optional<String> unavailable = SystemdOracle.unavailable(repo());
        Assumptions.assumeTrue(unavailable.isEmpty(), () -> "systemd oracle test skipped: " + unavailable.orElseThrow());
        Path deb = PackageBuild.deb(repo());
        System.out.println("package: " + deb);

        String unit = "tg-oracle-" + UUID.randomUUID().toString().substring(0, 8);
        try (SystemdOracle oracle = SystemdOracle.start(SystemdOracle.scripts(repo()).orElseThrow())) {
            Path log = oracle.dir.resolve("tollgated.log");
            Path done = oracle.dir.resolve(unit + ".done");
            try {
                install(oracle, deb, log);
                run(oracle, unit, log, done);
            } catch (AssertionError | Exception e) {
                System.out.println("---- tollgated.log\n" + read(log) + "---- console.log of the instance\n" + oracle.console());
                throw e;
            }
        }
    }

    /** Unpacks the .deb, lays it over the instance's /usr and /etc, and links its unit. */
    private static void install(SystemdOracle oracle, Path deb, Path log) throws IOException {
        // The overlays put the package above the host's files; with tollgate installed on the host
        // too, its unit files in /etc/tollgate/units would show through.
        assertThat(Files.exists(Path.of("/etc/tollgate")) || Files.exists(Path.of("/usr/lib/tollgate")))
                .as("the host itself has tollgate installed (/etc/tollgate or /usr/lib/tollgate)").isFalse();
        Path root = oracle.dir.resolve("package");
        Result.run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), Map.of(), null).ok();
        // Debian 12 has merged /usr: dpkg writes the package's /lib/... through the /lib -> usr/lib link.
        assertThat(Files.readSymbolicLink(Path.of("/lib")).toString()).as("this host's /lib (merged /usr)").isIn("usr/lib", "/usr/lib");
        if (Files.isDirectory(root.resolve("lib"))) {
            moveTree(root.resolve("lib"), root.resolve("usr/lib"));
        }
        try (Stream<Path> top = Files.list(root)) {
            assertThat(top.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("etc", "usr");
        }
        Path upper = Files.createDirectories(oracle.dir.resolve("etc-upper"));
        Path work = Files.createDirectories(oracle.dir.resolve("etc-work"));
        oracle.sdx("mount", "-t", "overlay", "tollgate-package-usr", "-o", "ro,lowerdir=" + root.resolve("usr") + ":/usr", "/usr").ok();
        oracle.sdx("mount", "-t", "overlay", "tollgate-package-etc", "-o",
                "lowerdir=" + root.resolve("etc") + ":/etc,upperdir=" + upper + ",workdir=" + work, "/etc").ok();
        System.out.println(oracle.sdx("ls", "-l", "/usr/bin/tollgated", "/usr/bin/tollctl", "/lib/systemd/system/tollgated.service",
                "/etc/tollgate/tollgated.conf").ok());
        // Both AOT caches were written by the package's runtime image and are used: the JVM's aot
        // log names the cache it opened and whether its classes come linked (the JDK's own class
        // archive, used when a cache is missing or refused, has none).
        for (String launcher : List.of("tollgated", "tollctl")) {
            String aotLog = oracle.sdx("env", launcher.toUpperCase(Locale.ROOT) + "_JAVA_OPTS=-Xlog:aot", "/usr/bin/" + launcher, "--version").ok().out();
            assertThat(aotLog).as(launcher + "'s AOT cache").contains("Opened AOT cache /usr/lib/tollgate/lib/" + launcher + ".aot")
                    .contains("Using AOT-linked classes: true").doesNotContain("[error]");
        }

        Files.createSymbolicLink(oracle.units().resolve("tollgated.service"), Path.of("/lib/systemd/system/tollgated.service"));
        Path dropIn = Files.createDirectories(oracle.units().resolve("tollgated.service.d"));
        Files.writeString(dropIn.resolve("output.conf"), """
                # The instance has no journald: tollgated's output goes to a file of the test.
                [Service]
                StandardOutput=append:%s
                StandardError=inherit
                """.formatted(log));
        oracle.sdx("systemctl", "daemon-reload").ok();
    }

    private static void run(SystemdOracle oracle, String unit, Path log, Path done) throws Exception {
        // ---- start: Type=notify, so systemctl start returns once tollgated sent READY=1.
        Result start = oracle.sdx("systemctl", "start", "tollgated");
        System.out.println(start);
        System.out.println(oracle.sdx("systemctl", "status", "--no-pager", "tollgated"));
        start.ok();
        Map<String, String> active = oracle.sdx("systemctl", "show", "-p",
                "ActiveState,SubState,Type,StatusText,MainPID,ControlGroup,Delegate,NRestarts", "tollgated").ok().properties();
        assertThat(active).containsEntry("ActiveState", "active").containsEntry("SubState", "running")
                .containsEntry("Type", "notify").containsEntry("StatusText", "Running")
                .containsEntry("ControlGroup", "/system.slice/tollgated.service").containsEntry("Delegate", "yes")
                .containsEntry("NRestarts", "0");
        String mainPid = active.get("MainPID");
        assertThat(oracle.sdx("cat", "/proc/" + mainPid + "/cgroup").ok().out())
                .as("tollgated moved itself into a leaf of its delegated cgroup").contains("0::/system.slice/tollgated.service/tollgated\n");
        assertThat(read(log)).contains("cgroup root /sys/fs/cgroup/system.slice/tollgated.service")
                .doesNotContain("invalid cgroup directory name");
        // It mounted its own bpffs: the host's, listed under the old /sys, is out of reach.
        assertThat(oracle.sdx("stat", "-f", "-c", "%T", "/sys/fs/bpf").ok().out().trim()).isEqualTo("bpf_fs");

        // ---- a unit enabled with tollctl enable --now: in the delegated subtree, counted.
        Path script = Files.writeString(oracle.dir.resolve("udp-pair.py"), UDP_PAIR);
        oracle.sdxWithInput("""
                [Unit]
                Description=Sends %d UDP datagrams to itself, then waits

                [Service]
                IPAccounting=yes
                ExecStart=/usr/bin/python3 %s %s

                [Install]
                WantedBy=multi-user.target
                """.formatted(DATAGRAMS, script, done), "sh", "-c", "cat > /etc/tollgate/units/" + unit + ".service").ok();
        Result enable = oracle.sdx("tollctl", "enable", "--now", unit);
        System.out.println(enable);
        enable.ok();
        TollgatedProcess.await(unit + " to have sent and received its datagrams (" + done + ")", GUARD, () -> Files.exists(done));
        String[] counters = {"IPEgressPackets", "IPEgressBytes", "IPIngressPackets", "IPIngressBytes"};
        Result show = oracle.sdx("tollctl", "show", "-p",
                "ActiveState,MainPID,ControlGroup,IPAccounting," + String.join(",", counters), unit).ok();
        System.out.println(show);
        Map<String, String> u = show.properties();
        String cgroup = "/system.slice/tollgated.service/system.slice/" + unit + ".service";
        assertThat(u).containsEntry("ActiveState", "active").containsEntry("ControlGroup", cgroup)
                .containsEntry("IPEgressPackets", "" + DATAGRAMS).containsEntry("IPEgressBytes", "" + DATAGRAMS * IP_PACKET_BYTES)
                .containsEntry("IPIngressPackets", "" + DATAGRAMS).containsEntry("IPIngressBytes", "" + DATAGRAMS * IP_PACKET_BYTES);
        String unitPid = u.get("MainPID");
        assertThat(oracle.sdx("cat", "/proc/" + unitPid + "/cgroup").ok().out()).contains("0::" + cgroup + "\n");
        assertThat(oracle.sdx("systemctl", "status", "--no-pager", "tollgated").out()).contains(unit + ".service");
        // The programs on the unit's cgroup, as the host sees them.
        Path hostUnitCgroup = oracle.hostCgroup.resolve(cgroup.substring(1));
        Result attached = Result.run(List.of("bpftool", "-j", "cgroup", "show", hostUnitCgroup.toString()), Map.of(), null).ok();
        List<String> programs = new ArrayList<>();
        Matcher m = Pattern.compile("\"id\":(\\d+)").matcher(attached.out());
        while (m.find()) programs.add(m.group(1));
        assertThat(programs).as("tollgate's programs on %s: %s", hostUnitCgroup, attached.out()).isNotEmpty();

        // ---- reload: SIGHUP; tollgated says RELOADING=1 ... READY=1 and logs when it is done.
        long reloadsBefore = read(log).lines().filter(l -> l.contains("reload done")).count();
        Result reload = oracle.sdx("systemctl", "reload", "tollgated");
        System.out.println(reload);
        reload.ok();
        TollgatedProcess.await("tollgated to log its reload", GUARD,
                () -> read(log).lines().filter(l -> l.contains("reload done")).count() > reloadsBefore);
        TollgatedProcess.await("tollgated.service to be active again after RELOADING=1", GUARD, () -> {
            try {
                return oracle.sdx("systemctl", "show", "-p", "ActiveState", "--value", "tollgated").out().trim().equals("active");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Map<String, String> reloaded = oracle.sdx("systemctl", "show", "-p", "ActiveState,SubState,MainPID,NRestarts", "tollgated").ok().properties();
        assertThat(reloaded).containsEntry("SubState", "running").containsEntry("MainPID", mainPid).containsEntry("NRestarts", "0");
        Map<String, String> afterReload = oracle.sdx("tollctl", "show", "-p", "ActiveState,MainPID," + String.join(",", counters), unit).ok().properties();
        assertThat(afterReload).as("the unit runs on, its counters carry on")
                .containsEntry("ActiveState", "active").containsEntry("MainPID", unitPid)
                .containsEntry("IPEgressPackets", "" + DATAGRAMS).containsEntry("IPIngressBytes", "" + DATAGRAMS * IP_PACKET_BYTES);

        // ---- stop: tollgated stops the unit and removes its programs, pins and cgroups.
        Result stop = oracle.sdx("systemctl", "stop", "tollgated");
        System.out.println(stop);
        stop.ok();
        Map<String, String> stopped = oracle.sdx("systemctl", "show", "-p", "ActiveState,SubState,Result,ExecMainStatus", "tollgated").ok().properties();
        System.out.println("after stop: " + stopped);
        assertThat(stopped).containsEntry("ActiveState", "inactive").containsEntry("Result", "success").containsEntry("ExecMainStatus", "0");
        System.out.println("---- tollgated.log\n" + read(log));
        // sd-daemon priorities: <0> emergency ... <3> error, <4> warning.
        assertThat(read(log).lines().filter(l -> l.matches("<[0-4]>.*")).toList()).as("errors and warnings of tollgated").isEmpty();

        // ---- nothing left behind.
        TollgatedProcess.await("the unit's process " + unitPid + " to be gone", GUARD, () -> !exists(oracle, "/proc/" + unitPid));
        TollgatedProcess.await("tollgated.service's cgroup to be removed", GUARD,
                () -> !exists(oracle, "/sys/fs/cgroup/system.slice/tollgated.service"));
        assertThat(Files.exists(hostUnitCgroup)).isFalse();
        assertThat(exists(oracle, "/sys/fs/bpf/tollgate")).as("pins under /sys/fs/bpf/tollgate")
                .isFalse();
        for (String id : programs) {
            TollgatedProcess.await("program " + id + " to be freed", GUARD, () -> {
                try {
                    return Result.run(List.of("bpftool", "prog", "show", "id", id), Map.of(), null).exit() != 0;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        System.out.println("instance console, tollgated.service lines:");
        oracle.console().lines().filter(l -> l.contains("tollgated")).forEach(l -> System.out.println("  " + l));
    }

    /**
     * Binds 127.0.0.1:45123, sends itself the datagrams, receives all of them (blocking, no
     * timeout: on loopback each is queued before sendto returns), writes the file named by its
     * argument, then waits to be stopped. The instance has a network namespace of its own, so
     * the port is free.
     */
    private static final String UDP_PAIR = """
            import signal, socket, sys
            r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            r.bind(("127.0.0.1", 45123))
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for _ in range(%d):
                s.sendto(b"x" * %d, ("127.0.0.1", 45123))
            for _ in range(%d):
                r.recvfrom(65536)
            open(sys.argv[1], "w").write("done\\n")
            signal.pause()
            """.formatted(DATAGRAMS, PAYLOAD, DATAGRAMS);

    private static boolean exists(SystemdOracle oracle, String path) {
        try {
            return oracle.sdx("test", "-e", path).exit() == 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void moveTree(Path from, Path to) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(from)) {
            files = s.filter(p -> !Files.isDirectory(p)).toList();
        }
        for (Path f : files) {
            Path target = to.resolve(from.relativize(f).toString());
            Files.createDirectories(target.getParent());
            Files.move(f, target, StandardCopyOption.ATOMIC_MOVE);
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path d : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(d);
        }
    }
}
