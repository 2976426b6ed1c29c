package dev.tollgate.daemon;

import dev.tollgate.api.ManagerClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run of tollgated's AOT cache (packaging runs it through bin/tollgated with
 * {@code TOLLGATED_AOT_TRAINING=FILE}, so with the launcher's JVM flags and class path, which
 * the JVM requires of a cache): a daemon in this JVM boots services of the kinds unit files
 * have (in an accounted slice with a firewall, a oneshot, one with its own environment and
 * working directory), answers the queries tollctl and scripts make, restarts one and stops them
 * all. The JVM then writes the classes this loaded and linked, the JDK's and ours,
 * into the cache, and a daemon started with it skips parsing, verifying and linking them
 * (bench/control-plane.sh 1000: about a quarter of a CPU-second less per boot).
 *
 * <p>It runs as the daemon does: root, cgroup v2, bpf(2). Everything lives under names of its
 * own ({@code tollgated-aot-PID}: cgroup, pins, a temporary directory) and is removed at the
 * end, as the daemon removes what it made. Where it cannot boot (not root, or no writable cgroup
 * v2 as in many build containers) the cache holds what was loaded up to there, and this says why:
 * the package builds either way.
 */
public final class AotTraining {
    /** Enough services that every per-start path runs many times over; few enough for a build. */
    private static final int SERVICES = 48;

    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        String name = "tollgated-aot-" + ProcessHandle.current().pid();
        Path dir = Files.createTempDirectory(name);
        try {
            Path units = Files.createDirectories(dir.resolve("units"));
            List<String> services = writeUnits(units, dir);
            Path state = dir.resolve("state");
            Daemon daemon = new Daemon(DaemonConfig.of(Map.of("units-path", units.toString(),
                    "cgroup-root", "/" + name + ".slice", "bpffs-dir", "/sys/fs/bpf/" + name,
                    "state-dir", state.toString(), "socket", state.resolve("sock").toString(), "log-level", "warning")));
            try {
                daemon.start();
                query(state.resolve("sock"), services);
                System.out.println("tollgated AOT training: booted, queried and stopped " + services.size() + " services");
            } catch (Exception e) {
                // A build without root, or as root in a container without a writable cgroup v2:
                // the package still builds, with a cache of what was loaded before that.
                System.out.println("tollgated AOT training: the daemon could not boot here (" + (isRoot() ? "" : "not root: ")
                        + e + "); the cache holds only the classes loaded before that, and tollgated starts slower");
            } finally {
                daemon.close();
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        System.exit(0); // the daemon's threads are not daemon threads
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The unit files, enabled as the bench's and most hosts' are; returns the services' names. */
    private static List<String> writeUnits(Path units, Path dir) throws IOException {
        Path wants = Files.createDirectories(units.resolve("multi-user.target.wants"));
        Files.writeString(units.resolve("train.slice"), "[Unit]\nDescription=AOT training\n[Slice]\nIPAccounting=yes\n");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < SERVICES; i++) {
            names.add(write(units, wants, "train-" + i + ".service", """
                    [Unit]
                    Description=AOT training service %d
                    [Service]
                    Slice=train.slice
                    IPAccounting=yes
                    IPAddressDeny=10.0.0.0/8 192.168.0.0/16
                    ExecStart=/bin/sleep infinity
                    [Install]
                    WantedBy=multi-user.target
                    """.formatted(i)));
        }
        names.add(write(units, wants, "train-firewall.service", """
                [Service]
                Slice=train.slice
                IPAddressAllow=localhost
                IPAddressDeny=any
                Environment=TRAINING=1 "QUOTED=a b"
                WorkingDirectory=%s
                StandardOutput=null
                ExecStart=sleep infinity
                """.formatted(dir)));
        names.add(write(units, wants, "train-oneshot.service", """
                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStartPre=/bin/true
                ExecStart=/bin/true
                """));
        return names;
    }

    private static String write(Path units, Path wants, String name, String text) throws IOException {
        Files.writeString(units.resolve(name), text);
        Files.createSymbolicLink(wants.resolve(name), units.resolve(name));
        return name;
    }

    /**
     * What tollctl and scripts ask most, a restart and a stop; not what a daemon rarely does
     * (reload, unit files, metrics): every class in the cache is loaded at start-up and stays
     * resident, so each one costs every daemon its memory (the cache is ~30 MiB of its RSS).
     */
    private static void query(Path socket, List<String> services) throws IOException {
        try (ManagerClient c = ManagerClient.connect(socket)) {
            for (int round = 0; round < 3; round++) {
                c.getSystemState();
                c.listUnits(List.of(), List.of(), round == 0);
                c.getUnits(services);
                c.getUnit(services.getFirst());
                c.getCounters(List.of());
                c.getCounters(services.subList(0, 2));
            }
            c.restartUnit(services.get(1));
            c.stopUnit(services.get(2));
        }
    }
}
