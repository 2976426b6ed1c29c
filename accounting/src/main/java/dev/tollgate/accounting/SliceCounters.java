package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.Bytes;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import dev.tollgate.bpf.ObjectName;
import dev.tollgate.bpf.Pins;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The counters of one slice with IPAccounting=yes. Slices get no programs: the programs of
 * the units below add to this map, so it holds exactly what its members' programs let
 * through, in every attach mode.
 */
public final class SliceCounters implements AutoCloseable {
    private final String slice;
    private final Path pinDir;
    private final BpfMap map;

    private SliceCounters(String slice, Path pinDir, BpfMap map) {
        this.slice = slice;
        this.pinDir = pinDir;
        this.map = map;
    }

    /** Opens the slice's pinned counters, or creates and pins fresh ones. */
    public static SliceCounters openOrCreate(String slice, PinLayout pins) {
        Path dir = Pins.ensureDirectory(pins.slice(slice));
        Path pin = dir.resolve(PinLayout.COUNTERS);
        if (Files.exists(pin)) {
            BpfMap m = BpfMap.fromPin(pin);
            if (m.info().valueSize() == CounterLayout.VALUE_SIZE && m.info().type() == MapType.PERCPU_ARRAY.value)
                return new SliceCounters(slice, dir, m);
            m.close();
            Pins.unpin(pin);
        }
        BpfMap m = counterMap("tgs_" + slice);
        try {
            m.pin(pin);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return new SliceCounters(slice, dir, m);
    }

    /** A one-entry per-CPU counters map, named after its unit or slice within the kernel's 15 characters. */
    static BpfMap counterMap(String name) {
        return BpfMap.create(MapSpec.of(MapType.PERCPU_ARRAY, ObjectName.sanitize(name), 4, CounterLayout.VALUE_SIZE, 1));
    }

    static Counters read(BpfMap counters) {
        return counters.lookupSummedU64(Bytes.u32(0)).map(Counters::of).orElse(Counters.ZERO);
    }

    public String slice() {
        return slice;
    }

    public BpfMap map() {
        return map;
    }

    public Counters read() {
        return read(map);
    }

    /** Removes the pins; the map lives on while a unit's program still references it. */
    public void remove() {
        Pins.removeTree(pinDir);
        close();
    }

    @Override
    public void close() {
        map.close();
    }
}
