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
 *   <li>{@code members/c<CGROUP>_<in>_<inBytes>_<out>_<outBytes>}: a member whose counters are
 *       in the daemon's {@link CgroupStorage} under cgroup id CGROUP: an empty directory whose
 *       name says whose entry it is and what it had counted when it joined (its base), so a
 *       join is one atomic mkdir;</li>
 *   <li>{@code members/m<ID>_<in>_<inBytes>_<out>_<outBytes>}: a member with a counters map of
 *       its own (map id ID, kernels without shared cgroup storage) pinned here, base in the
 *       name, so a join is one atomic pin;</li>
 *   <li>{@code retired}: a one-entry array of the counters of the members that left, and the
 *       key of the member folded into it last (the map id, or the cgroup id with bit 62 set,
 *       {@link UnitState#memberKey}). A leave is one update of this value (totals and key
 *       together), then the removal of the member; a member whose key is the one recorded
 *       was folded already, and is only removed (a kill came between the two steps).</li>
 * </ul>
 *
 * A cgroup's storage entry is freed with the cgroup, so a member in cgroup storage must be
 * folded before its cgroup can go: a unit leaves its slices when it stops, before the daemon
 * removes its cgroup, and a daemon taking over finds a stopped unit's member still pinned and
 * its cgroup still there. Slices count only passed traffic, as the per-packet scheme before
 * did; the dropped fields stay zero. A member is read through its unit where the caller has
 * it running, else from its pin or storage entry: the slice holds no descriptor per member
 * (see {@link UnitDatapath}).
 */
public final class SliceCounters implements AutoCloseable {
    static final String RETIRED = "retired";
    static final String MEMBERS = "members";
    /** Eight u64 counters (the passed ones used), then the u64 id of the member map folded last. */
    static final int RETIRED_VALUE_SIZE = CounterLayout.VALUE_SIZE + 8;
    private static final Pattern MEMBER = Pattern.compile("([mc])(\\d+)_(\\d+)_(\\d+)_(\\d+)_(\\d+)");
    private static final byte[] KEY = Bytes.u32(0);

    /** A member: its key ({@link UnitState#memberKey}), its base, its pin (a map, or a directory for a cgroup storage entry). */
    private record Member(long key, CounterSums base, Path pin) {
        boolean inStorage() {
            return (key & UnitState.STORAGE_MEMBER) != 0;
        }

        /** What it counted: from its pinned map, or its cgroup's entry (its base, i.e. nothing more, if the cgroup is gone). */
        CounterSums readPinned(CgroupStorage storage) {
            if (inStorage()) {
                if (storage == null) throw new IllegalStateException(pin + ": the cgroup storage maps are not pinned");
                return storage.counters(key & ~UnitState.STORAGE_MEMBER).orElse(base);
            }
            try (BpfMap map = BpfMap.fromPin(pin)) {
                return read(map);
            }
        }
    }

    private final String slice;
    private final Path pinDir;
    private final BpfMap retired;
    private final CgroupStorage storage; // the daemon's, not ours to close; null where there is none
    private final Map<Long, Member> members = new LinkedHashMap<>();

    private SliceCounters(String slice, Path pinDir, BpfMap retired, CgroupStorage storage) {
        this.slice = slice;
        this.pinDir = pinDir;
        this.retired = retired;
        this.storage = storage;
    }

    /** A member's key from its pin name: a cgroup id tagged as storage, or the id of the map pinned there. */
    private static long memberKey(Matcher x, Path pin) {
        if (x.group(1).equals("c")) return UnitState.STORAGE_MEMBER | Long.parseUnsignedLong(x.group(2));
        try (BpfMap map = BpfMap.fromPin(pin)) {
            return map.id();
        }
    }

    /** Opens the slice's pinned state (finishing a leave a kill interrupted), or creates it empty. */
    public static SliceCounters openOrCreate(String slice, PinLayout pins, CgroupStorage storage) {
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
        SliceCounters s = new SliceCounters(slice, dir, r, storage);
        try {
            long folded = s.lastFolded();
            for (Path m : memberPins(dir)) {
                Matcher x = MEMBER.matcher(m.getFileName().toString());
                long key = x.matches() ? memberKey(x, m) : 0;
                if (!x.matches() || key == folded) {
                    removeMember(m);
                    continue;
                }
                s.members.put(key, new Member(key, base(x), m));
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
        // slices/NAME under the root, where the cgroup storage maps are pinned.
        Path root = sliceDir.getParent().getParent();
        try (BpfMap r = BpfMap.fromPin(pin); CgroupStorage storage = CgroupStorage.openPinned(root).orElse(null)) {
            byte[] v = r.lookup(KEY).orElseThrow();
            CounterSums sum = totals(v);
            long folded = Bytes.u64(v, CounterLayout.VALUE_SIZE);
            for (Path m : memberPins(sliceDir)) {
                Matcher x = MEMBER.matcher(m.getFileName().toString());
                if (!x.matches()) continue;
                Member member = new Member(memberKey(x, m), base(x), m);
                if (member.key() != folded) sum = sum.plus(passed(member.readPinned(storage)).minus(member.base()));
            }
            return java.util.Optional.of(sum);
        }
    }

    /** Removes a member's pin: a pinned map, or the directory naming a cgroup storage entry. */
    private static void removeMember(Path pin) {
        if (Files.isDirectory(pin)) {
            try {
                Files.deleteIfExists(pin);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + pin, e);
            }
        } else {
            Pins.unpin(pin);
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
        return new CounterSums(Long.parseUnsignedLong(x.group(3)), Long.parseUnsignedLong(x.group(4)),
                Long.parseUnsignedLong(x.group(5)), Long.parseUnsignedLong(x.group(6)), 0, 0, 0, 0);
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

    /** Whether the unit with this member key is a member. */
    synchronized boolean isMember(long key) {
        return members.containsKey(key);
    }

    /**
     * Makes a unit's counters a member from now on: what they hold already ({@code base}, zero
     * for a starting unit) is not the slice's. One pin or mkdir; a no-op for a member.
     */
    synchronized void join(UnitState unit, CounterSums base) {
        long key = unit.memberKey();
        if (members.containsKey(key)) return;
        CounterSums b = passed(base);
        if (lastFolded() == key) writeRetired(totals(retiredValue()), 0); // it left before: forget that
        String counts = Long.toUnsignedString(b.ingressPackets()) + "_" + Long.toUnsignedString(b.ingressBytes()) + "_"
                + Long.toUnsignedString(b.egressPackets()) + "_" + Long.toUnsignedString(b.egressBytes());
        Path pin;
        switch (unit) {
            case UnitState.InCgroupStorage st -> {
                pin = pinDir.resolve(MEMBERS).resolve("c" + Long.toUnsignedString(st.cgroupId()) + "_" + counts);
                try {
                    Files.createDirectory(pin);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot make " + pin, e);
                }
            }
            case UnitState.OwnMaps own -> {
                pin = pinDir.resolve(MEMBERS).resolve("m" + own.countersMap().id() + "_" + counts);
                own.countersMap().pin(pin);
            }
        }
        members.put(key, new Member(key, b, pin));
    }

    /**
     * Folds a member's counters (less its base) into the retired total and lets it go. Its
     * programs must be detached first (a stopping unit) unless the unit leaves the slice while
     * running. A no-op for a unit that is not a member.
     */
    synchronized void leave(long key) {
        Member m = members.get(key);
        if (m == null) return;
        CounterSums add = passed(m.readPinned(storage)).minus(m.base());
        writeRetired(totals(retiredValue()).plus(add), key);
        removeMember(m.pin());
        members.remove(key);
    }

    public CounterSums read() {
        return read(key -> null);
    }

    /**
     * The same, taking a member's counters from {@code running} (by member key: read through its
     * running unit, or just read) where it has them, else from the member's pin or entry.
     */
    synchronized CounterSums read(java.util.function.LongFunction<CounterSums> running) {
        CounterSums sum = totals(retiredValue());
        for (Member m : members.values()) {
            CounterSums c = running.apply(m.key());
            sum = sum.plus(passed(c != null ? c : m.readPinned(storage)).minus(m.base()));
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
