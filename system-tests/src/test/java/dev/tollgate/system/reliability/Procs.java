package dev.tollgate.system.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What /proc says about a process: liveness, file descriptors, threads. */
final class Procs {
    private Procs() {}

    /** Running, not a zombie (a zombie still has a ProcessHandle). */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    static int fdCount(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }

    /**
     * Open file descriptors by what they are: the link text with numbers taken out
     * ({@code anon_inode:bpf-map}, {@code socket:[]}, {@code pipe:[]}, a path; jars as one kind).
     */
    static Map<String, Integer> fdKinds(long pid) throws IOException {
        Map<String, Integer> kinds = new TreeMap<>();
        List<Path> fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = s.toList();
        }
        for (Path fd : fds) {
            String target;
            try {
                target = Files.readSymbolicLink(fd).toString();
            } catch (IOException closed) {
                continue;
            }
            String kind = target.endsWith(".jar") ? "(a jar)" : target.replaceAll("\\[[0-9]+]", "[]").replaceAll("[0-9]{3,}", "N");
            kinds.merge(kind, 1, Integer::sum);
        }
        return kinds;
    }

    static int threadCount(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) return Integer.parseInt(line.substring(8).trim());
        }
        throw new IOException("no Threads: line for " + pid);
    }

    /** Thread names (comm, numbers taken out) and how many of each. */
    static Map<String, Integer> threadNames(long pid) throws IOException {
        Map<String, Integer> names = new TreeMap<>();
        List<Path> tasks;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            tasks = s.toList();
        }
        for (Path t : tasks) {
            try {
                names.merge(Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N"), 1, Integer::sum);
            } catch (IOException gone) {
                // the thread ended meanwhile
            }
        }
        return names;
    }
}
