package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.Bytes;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import dev.tollgate.bpf.ObjectName;
import dev.tollgate.bpf.Pins;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The counters of one slice with IPAccounting=yes, without any work per packet: a slice's
 * counters are what its members' programs let through, i.e. the sum of its running members'
 * counters (each less what it had counted when it joined) plus the total of the members that
 * left. The state lives in bpffs under the slice's directory, so it is exact across daemon
 * restarts and kill -9 at any point:
 *
 * <ul>
 *   <li>{@code members/m<ID>_<in>_<inBytes>_<out>_<outBytes>}: a member's counters map (map id
 *       ID) pinned here, with what it had counted when it joined (its base) in the name, so a
 *       join is one atomic pin;</li>
 *   <li>{@code retired}: a one-entry array of the counters of the members that left, and the
 *       map id of the member folded into it last. A leave is one update of this value (totals
 *       and id together), then the unpin of the member; a member whose id is the one recorded
 *       was folded already, and is only unpinned (a kill came between the two steps).</li>
 * </ul>
 *
 * Slices count only passed traffic, as the per-packet scheme before did; the dropped fields
 * stay zero. A member is read through its unit's descriptor where the caller has one, else
 * from its pin: the slice holds no descriptor per member (see {@link UnitDatapath}).
 */
public final class SliceCounters implements AutoCloseable {
    static final String RETIRED = "retired";
    static final String MEMBERS = "members";
    /** Eight u64 counters (the passed ones used), then the u64 id of the member map folded last. */
    static final int RETIRED_VALUE_SIZE = CounterLayout.VALUE_SIZE + 8;
    private static final Pattern MEMBER = Pattern.compile("m(\\d+)_(\\d+)_(\\d+)_(\\d+)_(\\d+)");
    private static final byte[] KEY = Bytes.u32(0);

    /** A member: its counters map's id, its base, its pin. */
    private record Member(int mapId, CounterSums base, Path pin) {
        CounterSums readPinned() {
            try (BpfMap map = BpfMap.fromPin(pin)) {
                return read(map);
            }
        }
    }

    private final String slice;
    private final Path pinDir;
    private final BpfMap retired;
    private final Map<Integer, Member> members = new LinkedHashMap<>();

    private SliceCounters(String slice, Path pinDir, BpfMap retired) {
        this.slice = slice;
        this.pinDir = pinDir;
        this.retired = retired;
    }

    /** Opens the slice's pinned state (finishing a leave a kill interrupted), or creates it empty. */
    public static SliceCounters openOrCreate(String slice, PinLayout pins) {
        Path dir = Pins.ensureDirectory(pins.slice(slice));
        Pins.ensureDirectory(dir.resolve(MEMBERS));
        // An earlier version's per-packet slice counters: nothing adds to them any more.
        Pins.unpin(dir.resolve(PinLayout.COUNTERS));
        Path pin = dir.resolve(RETIRED);
        BpfMap r = null;
        if (Files.exists(pin)) {
            r = BpfMap.fromPin(pin);
            if (r.info().valueSize() != RETIRED_VALUE_SIZE || r.info().type() != MapType.ARRAY.value) {
                r.close();
                Pins.unpin(pin);
                r = null;
            }
        }
        if (r == null) {
            r = BpfMap.create(MapSpec.of(MapType.ARRAY, ObjectName.sanitize("tgs_" + slice), 4, RETIRED_VALUE_SIZE, 1));
            try {
                r.pin(pin);
            } catch (RuntimeException e) {
                r.close();
                throw e;
            }
        }
        SliceCounters s = new SliceCounters(slice, dir, r);
        try {
            long folded = s.lastFolded();
            for (Path m : memberPins(dir)) {
                Matcher x = MEMBER.matcher(m.getFileName().toString());
                int id;
                try (BpfMap map = BpfMap.fromPin(m)) {
                    id = map.id();
                }
                if (!x.matches() || id == folded) {
                    Pins.unpin(m);
                    continue;
                }
                s.members.put(id, new Member(id, base(x), m));
            }
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** A slice's counters straight from its pins, without a daemon (tests, tools). */
    public static java.util.Optional<CounterSums> readPinned(Path sliceDir) {
        Path pin = sliceDir.resolve(RETIRED);
        if (!Files.exists(pin)) return java.util.Optional.empty();
        try (BpfMap r = BpfMap.fromPin(pin)) {
            byte[] v = r.lookup(KEY).orElseThrow();
            CounterSums sum = totals(v);
            long folded = Bytes.u64(v, CounterLayout.VALUE_SIZE);
            for (Path m : memberPins(sliceDir)) {
                Matcher x = MEMBER.matcher(m.getFileName().toString());
                if (!x.matches()) continue;
                try (BpfMap map = BpfMap.fromPin(m)) {
                    if (map.id() != folded) sum = sum.plus(passed(read(map)).minus(base(x)));
                }
            }
            return java.util.Optional.of(sum);
        }
    }

    private static List<Path> memberPins(Path dir) {
        Path members = dir.resolve(MEMBERS);
        if (!Files.isDirectory(members)) return List.of();
        try (Stream<Path> s = Files.list(members)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + members, e);
        }
    }

    private static CounterSums base(Matcher x) {
        return new CounterSums(Long.parseUnsignedLong(x.group(2)), Long.parseUnsignedLong(x.group(3)),
                Long.parseUnsignedLong(x.group(4)), Long.parseUnsignedLong(x.group(5)), 0, 0, 0, 0);
    }

    private static CounterSums passed(CounterSums c) {
        return new CounterSums(c.ingressPackets(), c.ingressBytes(), c.egressPackets(), c.egressBytes(), 0, 0, 0, 0);
    }

    private static CounterSums totals(byte[] v) {
        long[] f = new long[CounterLayout.VALUE_SIZE / 8];
        for (int i = 0; i < f.length; i++) f[i] = Bytes.u64(v, 8 * i);
        return passed(CounterSums.of(f));
    }

    private byte[] retiredValue() {
        return retired.lookup(KEY).orElseThrow(() -> new IllegalStateException("slice " + slice + ": no retired entry"));
    }

    private long lastFolded() {
        return Bytes.u64(retiredValue(), CounterLayout.VALUE_SIZE);
    }

    private void writeRetired(CounterSums c, long folded) {
        retired.update(KEY, Bytes.u64s(c.ingressPackets(), c.ingressBytes(), c.egressPackets(), c.egressBytes(), 0, 0, 0, 0,
                folded));
    }

    /** A one-entry per-CPU counters map, named after its unit within the kernel's 15 characters. */
    static BpfMap counterMap(String name) {
        return BpfMap.create(MapSpec.of(MapType.PERCPU_ARRAY, ObjectName.sanitize(name), 4, CounterLayout.VALUE_SIZE, 1));
    }

    static CounterSums read(BpfMap counters) {
        return counters.lookupSummedU64(Bytes.u32(0)).map(CounterSums::of).orElse(CounterSums.ZERO);
    }

    public String slice() {
        return slice;
    }

    /** Whether the unit counters map with this id is a member. */
    synchronized boolean isMember(int mapId) {
        return members.containsKey(mapId);
    }

    /**
     * Makes a unit's counters a member from now on: what they hold already ({@code base}, zero
     * for a starting unit) is not the slice's. One pin; a no-op for a member.
     */
    synchronized void join(BpfMap unitCounters, CounterSums base) {
        int id = unitCounters.id();
        if (members.containsKey(id)) return;
        CounterSums b = passed(base);
        if (lastFolded() == id) writeRetired(totals(retiredValue()), 0); // it left before: forget that
        Path pin = pinDir.resolve(MEMBERS).resolve(f("m%d_%s_%s_%s_%s", id, Long.toUnsignedString(b.ingressPackets()),
                Long.toUnsignedString(b.ingressBytes()), Long.toUnsignedString(b.egressPackets()),
                Long.toUnsignedString(b.egressBytes())));
        unitCounters.pin(pin);
        members.put(id, new Member(id, b, pin));
    }

    private static String f(String format, Object... args) {
        return String.format(java.util.Locale.ROOT, format, args);
    }

    /**
     * Folds a member's counters (less its base) into the retired total and lets it go. Its
     * programs must be detached first (a stopping unit) unless the unit leaves the slice while
     * running. A no-op for a map that is not a member.
     */
    synchronized void leave(int mapId) {
        Member m = members.get(mapId);
        if (m == null) return;
        CounterSums add = passed(m.readPinned()).minus(m.base());
        writeRetired(totals(retiredValue()).plus(add), mapId);
        Pins.unpin(m.pin());
        members.remove(mapId);
    }

    public CounterSums read() {
        return read(id -> null);
    }

    /**
     * The same, taking a member's counters from {@code running} (by map id: read through its
     * running unit's descriptor, or just read) where it has them, else from the member's pin.
     */
    synchronized CounterSums read(IntFunction<CounterSums> running) {
        CounterSums sum = totals(retiredValue());
        for (Member m : members.values()) {
            CounterSums c = running.apply(m.mapId());
            sum = sum.plus(passed(c != null ? c : m.readPinned()).minus(m.base()));
        }
        return sum;
    }

    /** Removes the pins (the slice is no longer accounted); members' maps live on with their units. */
    public synchronized void remove() {
        Pins.removeTree(pinDir);
        close();
    }

    @Override
    public synchronized void close() {
        members.clear();
        retired.close();
    }
}
