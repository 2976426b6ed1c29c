package dev.tollgate.bpf.asm;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * An assembled program: its slots with every jump resolved, and the map loads that still wait for
 * a file descriptor. Immutable; map fds are patched into a fresh byte array by {@link #encode}, so
 * one {@code Instructions} can be loaded many times with different maps.
 */
public final class Instructions {
    private final List<Instruction> slots;
    /** Slot of each map-loading {@code lddw} → name of the map whose fd goes into its immediate. */
    private final SortedMap<Integer, String> mapLoads;
    private final SequencedSet<String> mapNames;

    Instructions(List<Instruction> slots, Map<Integer, String> mapLoads) {
        this.slots = List.copyOf(slots);
        this.mapLoads = Collections.unmodifiableSortedMap(new TreeMap<>(mapLoads));
        this.mapNames = Collections.unmodifiableSequencedSet(new LinkedHashSet<>(this.mapLoads.values()));
    }

    /** The number of 8-byte slots; a 64-bit immediate load counts 2. */
    public int size() {
        return slots.size();
    }

    /** One instruction per slot; map loads carry 0 where the fd will go. */
    public List<Instruction> list() {
        return slots;
    }

    /** The names of the maps the program loads, in order of first use. */
    public Set<String> mapReferences() {
        return mapNames;
    }

    /**
     * The bytecode for {@code BPF_PROG_LOAD}, with each map load patched to the fd that
     * {@code mapFdByName} gives for its name.
     *
     * @throws IllegalArgumentException naming the map if the function fails for it (for example a
     *     {@code Map::get} that finds nothing) or gives a negative fd
     */
    public byte[] encode(ToIntFunction<String> mapFdByName) {
        byte[] out = new byte[slots.size() * Instruction.SIZE];
        for (int i = 0; i < slots.size(); i++) {
            Instruction insn = slots.get(i);
            String map = mapLoads.get(i);
            if (map != null) {
                insn = insn.withImm(fdOf(map, mapFdByName));
            }
            insn.encodeTo(out, i * Instruction.SIZE);
        }
        return out;
    }

    private static int fdOf(String map, ToIntFunction<String> mapFdByName) {
        int fd;
        try {
            fd = mapFdByName.applyAsInt(map);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("no fd for map '" + map + "': " + e, e);
        }
        if (fd < 0) {
            throw new IllegalArgumentException("no fd for map '" + map + "' (got " + fd + ")");
        }
        return fd;
    }

    /**
     * The program as the kernel's verifier log prints it, one numbered line per instruction,
     * with map loads shown by name: {@code 2: (18) r1 = map[name:counters]}.
     */
    public String disassemble() {
        return Disassembler.disassemble(slots, mapLoads);
    }

    @Override
    public String toString() {
        return disassemble();
    }
}
