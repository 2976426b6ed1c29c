package dev.tollgate.system.reliability;

import dev.tollgate.system.TollgatedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything a running tollgated holds, counted at one moment and independently of it: the BPF
 * maps, programs and links in the whole kernel that are one test's (see {@link BpfCensus}),
 * what bpftool finds attached under the daemon's cgroup root, pins under its bpffs directory,
 * cgroups under its root, and the daemon's open file descriptors (by kind) and threads. The
 * leak tests compare a count before their load with one after it.
 */
record DaemonFootprint(BpfCensus bpf, Map<String, List<String>> attached, int pinFiles, int pinDirs, int cgroups,
                       int fds, Map<String, Integer> fdKinds, int threads, Map<String, Integer> threadNames,
                       List<String> pinNames) {

    /** Counts now; {@code mapPrefixes} name the test's maps (see {@link BpfCensus#take}). */
    static DaemonFootprint take(TollgatedProcess daemon, List<String> mapPrefixes) throws Exception {
        long pid = daemon.pid();
        BpfCensus bpf = BpfCensus.take(mapPrefixes, BpfCensus.sharedMaps(daemon.bpffs));
        int[] pins = BpfCensus.treeCount(daemon.bpffs);
        int cgroups = BpfCensus.treeCount(daemon.cgroupRoot)[1];
        return new DaemonFootprint(bpf, BpfCensus.bpftoolTree(daemon.cgroupRoot), pins[0], pins[1], cgroups,
                Procs.fdCount(pid), Procs.fdKinds(pid), Procs.threadCount(pid), Procs.threadNames(pid), pinNames(daemon.bpffs));
    }

    /**
     * The same kernel objects, pins, cgroups and fds. Threads are not compared: the JVM starts
     * and ends some by itself (see the tests' thread tolerances).
     */
    boolean sameObjects(DaemonFootprint other) {
        return fds == other.fds && fdKinds.equals(other.fdKinds) && bpf.equals(other.bpf) && attached.equals(other.attached)
                && pinFiles == other.pinFiles && pinDirs == other.pinDirs && cgroups == other.cgroups;
    }

    String describe() {
        return "kernel: " + bpf + "\n    attached under the root (bpftool): " + attached
                + "\n    pins: " + pinFiles + " files in " + pinDirs + " directories " + pinNames + "; cgroups below the root: " + cgroups
                + "\n    daemon fds: " + fds + " " + fdKinds + "\n    daemon threads: " + threads + " " + threadNames;
    }

    /** The pins' paths below the daemon's bpffs directory, so a leak names what was left (the first 40). */
    private static List<String> pinNames(Path bpffs) throws IOException {
        if (!Files.isDirectory(bpffs)) return List.of();
        try (Stream<Path> all = Files.walk(bpffs)) {
            return all.filter(Files::isRegularFile).map(f -> bpffs.relativize(f).toString()).sorted().limit(40).toList();
        }
    }
}
