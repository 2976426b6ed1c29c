package dev.tollgate.system.reliability;

import dev.tollgate.accounting.PinLayout;
import dev.tollgate.bpf.Fd;
import dev.tollgate.bpf.LinkInfo;
import dev.tollgate.bpf.MapInfo;
import dev.tollgate.bpf.ObjectIds;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The BPF objects in the whole kernel that belong to one test's units, whatever else runs on
 * the host (other tollgated instances use the same program and map name prefixes): maps whose
 * names carry the test's unique unit and slice names ({@code tgc_}/{@code tgp_} + unit,
 * {@code tgs_} + slice), programs of ours ({@code tg_}) that reference one of those maps or one
 * of the daemon's cgroup storage maps (the programs units share reference only those), and
 * links whose program is one of those programs. A program or link of ours that leaked holds
 * its maps, so it is found through them. The daemon's storage maps themselves live as long as
 * the daemon and are not counted among the maps.
 */
record BpfCensus(Set<Integer> maps, Set<Integer> programs, Set<Integer> links) {

    static BpfCensus take(List<String> mapPrefixes) {
        return take(mapPrefixes, Set.of());
    }

    /** The ids of the daemon's cgroup storage maps pinned under its bpffs directory (none where it shares no programs, or is gone). */
    static Set<Integer> sharedMaps(Path bpffs) {
        Set<Integer> ids = new TreeSet<>();
        for (String name : List.of(PinLayout.CGROUP_COUNTERS, PinLayout.CGROUP_EVENTS)) {
            Path pin = bpffs.resolve(name);
            if (!Files.exists(pin)) continue;
            try (Fd fd = Pins.open(pin)) {
                ids.add(MapInfo.ofFd(fd.value()).id());
            } catch (RuntimeException gone) {
                // unpinned between the look and the open: the daemon is removing everything
            }
        }
        return ids;
    }

    /** As {@link #take(List)}, also finding programs through {@code sharedMaps} (see {@link #sharedMaps}). */
    static BpfCensus take(List<String> mapPrefixes, Set<Integer> sharedMaps) {
        Set<Integer> maps = new TreeSet<>();
        for (int id : ObjectIds.maps()) {
            try {
                String name = MapInfo.ofId(id).name();
                if (mapPrefixes.stream().anyMatch(name::startsWith)) maps.add(id);
            } catch (RuntimeException gone) {
                // freed between the listing and the look (another instance, or ours going away)
            }
        }
        Set<Integer> referenced = new TreeSet<>(maps);
        referenced.addAll(sharedMaps);
        Set<Integer> programs = new TreeSet<>();
        for (int id : ObjectIds.programs()) {
            try {
                ProgramInfo p = ProgramInfo.ofId(id);
                if (p.name().startsWith("tg_") && !Collections.disjoint(p.mapIds(), referenced)) programs.add(id);
            } catch (RuntimeException gone) {
                // as above
            }
        }
        Set<Integer> links = new TreeSet<>();
        for (int id : ObjectIds.links()) {
            try {
                if (programs.contains(LinkInfo.ofId(id).programId())) links.add(id);
            } catch (RuntimeException gone) {
                // as above
            }
        }
        return new BpfCensus(maps, programs, links);
    }

    @Override
    public String toString() {
        return maps.size() + " maps " + maps + ", " + programs.size() + " programs " + programs + ", " + links.size() + " links " + links;
    }

    /** One pinned object: what it is ("map", "prog", "link") and its id, plus a link's program. */
    record Pinned(String kind, int id, int programId, List<Integer> mapIds) {}

    /** What is pinned in a directory (not below it), read through the pins. */
    static List<Pinned> pinnedIn(Path dir) throws IOException {
        List<Pinned> out = new ArrayList<>();
        List<Path> pins;
        try (Stream<Path> s = Files.list(dir)) {
            pins = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path pin : pins) {
            try (Fd fd = Pins.open(pin)) {
                String what = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd.value())).toString();
                if (what.contains("bpf-map")) {
                    out.add(new Pinned("map", MapInfo.ofFd(fd.value()).id(), 0, List.of()));
                } else if (what.contains("bpf-prog")) {
                    ProgramInfo p = ProgramInfo.ofFd(fd.value());
                    out.add(new Pinned("prog", p.id(), p.id(), p.mapIds()));
                } else if (what.contains("bpf_link") || what.contains("bpf-link")) {
                    LinkInfo l = LinkInfo.ofFd(fd.value());
                    out.add(new Pinned("link", l.id(), l.programId(), ProgramInfo.ofId(l.programId()).mapIds()));
                } else {
                    out.add(new Pinned(what, -1, 0, List.of()));
                }
            }
        }
        return out;
    }

    /** Files and directories below a directory (the directory itself not counted); 0 if it is gone. */
    static int[] treeCount(Path dir) throws IOException {
        if (!Files.exists(dir)) return new int[] {0, 0};
        int files = 0;
        int dirs = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (p.equals(dir)) continue;
                if (Files.isDirectory(p)) dirs++;
                else files++;
            }
        }
        return new int[] {files, dirs};
    }

    /**
     * Programs attached at or below a cgroup, as bpftool (an independent reader of the kernel)
     * lists them: "attach-type id name" per attachment, grouped by cgroup path.
     */
    static Map<String, List<String>> bpftoolTree(Path cgroup) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", "cgroup", "tree", cgroup.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("bpftool cgroup tree did not finish");
        }
        Map<String, List<String>> out = new TreeMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("/")) {
                current = line.trim();
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (current != null && line.startsWith(" ") && f.length >= 3 && f[0].matches("\\d+")) {
                // ID AttachType [AttachFlags] Name: the flags column is empty for links
                out.computeIfAbsent(current, k -> new ArrayList<>()).add(f[1] + " " + f[0] + " " + f[f.length - 1]);
            }
        }
        return out;
    }
}
