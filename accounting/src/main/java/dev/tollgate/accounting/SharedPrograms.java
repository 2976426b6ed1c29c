package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Instructions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The loaded unit programs that name no map of a unit (their state is in {@link CgroupStorage}),
 * one per distinct program, shared by every unit that runs it: a thousand units of one policy
 * cost two verifier runs, not two thousand. Reference counted by the units' attachments, and
 * pinned once under {@code programs/} by a digest of the bytecode and of the ids of the maps it
 * references, so a restarted daemon (also after kill -9) takes the same program again, and a
 * program made for other maps is never taken for one made for these. A program is unpinned
 * when the last unit using it lets go; programs no adopted unit took are swept after adoption.
 */
final class SharedPrograms implements AutoCloseable {
    private final Path dir;
    private final Map<String, Entry> loaded = new HashMap<>();
    private final Map<ShapeOnMaps, String> keyOf = new HashMap<>();

    private static final class Entry {
        final BpfProgram program;
        int users;

        Entry(BpfProgram program) {
            this.program = program;
        }
    }

    /** A unit's hold on a shared program: the program stays loaded (and pinned) until released. */
    record Lease(String key, BpfProgram program) {}

    SharedPrograms(Path dir) {
        this.dir = dir;
    }

    /**
     * The program of this shape on these maps. Its key is worked out once per shape and maps
     * (assembling the program and digesting it is most of what a unit's start costs on our
     * side once the program is shared: a thousand units of one policy did it a thousand
     * times); the program is assembled again only to be loaded.
     */
    synchronized Lease acquire(SkbProgram.Shape shape, String name, Supplier<Instructions> build, Map<String, BpfMap> maps) {
        Map<String, Integer> ids = new TreeMap<>();
        maps.forEach((m, map) -> ids.put(m, map.id()));
        ShapeOnMaps s = new ShapeOnMaps(shape, name, ids);
        String known = keyOf.get(s);
        Entry e = known == null ? null : loaded.get(known);
        if (e != null) {
            e.users++;
            return new Lease(known, e.program);
        }
        Lease l = acquire(name, build.get(), maps);
        keyOf.put(s, l.key());
        return l;
    }

    /** What determines a shared program's bytecode, and so its key. */
    private record ShapeOnMaps(SkbProgram.Shape shape, String name, Map<String, Integer> mapIds) {}

    /** The program for this bytecode and these maps: the loaded one, the pinned one, or a new load. */
    synchronized Lease acquire(String name, Instructions insns, Map<String, BpfMap> maps) {
        String key = key(name, insns, maps);
        Entry e = loaded.get(key);
        if (e == null) {
            Path pin = dir.resolve(key);
            BpfProgram p;
            if (Files.exists(pin)) {
                p = BpfProgram.fromPin(pin);
            } else {
                p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, name, null, insns, maps));
                try {
                    Pins.ensureDirectory(dir);
                    p.pin(pin);
                } catch (RuntimeException x) {
                    p.close();
                    throw x;
                }
            }
            e = new Entry(p);
            loaded.put(key, e);
        }
        e.users++;
        return new Lease(key, e.program);
    }

    /** Lets go of one hold; the last one unpins and closes the program (attachments elsewhere keep it in the kernel). */
    synchronized void release(String key) {
        Entry e = loaded.get(key);
        if (e == null) return;
        if (--e.users > 0) return;
        loaded.remove(key);
        Pins.unpin(dir.resolve(key));
        e.program.close();
    }

    /** Units holding each program, by key (tests). */
    synchronized Map<String, Integer> users() {
        Map<String, Integer> u = new HashMap<>();
        loaded.forEach((k, e) -> u.put(k, e.users));
        return u;
    }

    /** Unpins the programs nobody here holds: after adoption, those an earlier daemon's units used and no unit uses now. */
    synchronized List<String> sweep() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            List<String> gone = s.map(p -> p.getFileName().toString()).filter(k -> !loaded.containsKey(k)).toList();
            for (String k : gone) Pins.unpin(dir.resolve(k));
            return gone;
        } catch (IOException x) {
            throw new UncheckedIOException("cannot list " + dir, x);
        }
    }

    /**
     * The pin name: a digest of the name, the bytecode with each map load naming the map's id
     * (ids are never reused while a map lives, and a pinned program keeps its maps alive).
     */
    static String key(String name, Instructions insns, Map<String, BpfMap> maps) {
        byte[] code = insns.encode(m -> {
            BpfMap map = maps.get(m);
            if (map == null) throw new IllegalArgumentException("program '" + name + "' references unknown map '" + m + "'");
            return map.id();
        });
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(name.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(code);
            return name + "_" + HexFormat.of().formatHex(ByteBuffer.wrap(d.digest(), 0, 8).array(), 0, 8);
        } catch (NoSuchAlgorithmException x) {
            throw new IllegalStateException("SHA-256 is part of every JDK", x);
        }
    }

    @Override
    public synchronized void close() {
        loaded.values().forEach(e -> e.program.close());
        loaded.clear();
    }
}
