package dev.tollgate.accounting;

import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.ObjectName;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.features.KernelCapability;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.bpf.link.Attachment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One unit's kernel objects: its counters, its policy trie, its programs and their
 * attachments on the unit's cgroup, all pinned under the unit's bpffs directory.
 *
 * <p>Its counters and drop event state ({@link UnitState}) are in the daemon's cgroup storage
 * under its cgroup's id where the kernel has storage keyed so (5.9+): its programs then name
 * no map of its own and are the {@link SharedPrograms} of their shape, loaded once for every
 * unit of that shape (only a trie program, which names its list's trie, is its own). Elsewhere
 * they are in maps of its own, which its own programs name.
 *
 * <p>Changes are applied without a gap: a new address list is a new program (the list
 * compiled into it, or a new trie it references) swapped in on the live attachment (link
 * update, BPF_F_REPLACE or a single-mode re-attach), so every packet sees the whole old
 * policy or the whole new one. A trie is pinned for every list, also one compiled into the
 * program: it is the policy's record in bpffs, for inspection and for programs of an earlier
 * version that a restarted daemon takes over. Units of one list share one trie
 * ({@link SharedTries}: made and filled once, never written after).
 * The trie is referenced by the program rather than swapped in a map-in-map slot: a
 * map-in-map update from user space waits for an RCU grace period (synchronize_rcu), about
 * 14 ms each here, which would make a reload of a thousand units take many seconds. The
 * counters are never replaced while the unit runs.
 *
 * <p>Of its objects the unit holds the descriptors of the maps that queries read, where they
 * are its own: the counters (every GetCounters) and the events map (GetDrops, metrics;
 * reopening a thousand of them per query made it ten times slower); in cgroup storage it holds
 * none. The trie, its own programs and the links are kept by their pins (and attachments) and
 * opened for the moment that needs them (a program load, a detach): a daemon's descriptors are
 * copied and closed by each process it spawns, so each one held per unit makes every spawn
 * cost more with every unit.
 */
public final class UnitDatapath implements AutoCloseable {
    private static final String FOREIGN_PREFIX = "foreign_";

    private final String unit;
    private final Path cgroup;
    private final AttachMechanism mode;
    private final Path pinDir;
    private final UnitState state;
    private final SharedPrograms shared; // the daemon's shared programs; used where the state is in cgroup storage
    private final BpfMap ring; // the daemon's drop event ring, not ours to close; null where the kernel has none
    private boolean policyPinned; // the current LPM trie, when the unit has address lists, pinned at POLICY
    private final SharedTries tries; // the daemon's tries, one per distinct address list
    private List<PolicyTrie.Entry> heldTrie; // the list whose shared trie this unit holds, if any
    private boolean noForeignPins; // its directory is known to hold no foreign_ pin (made empty, or swept)
    private final EnumMap<Direction, Attachment> skb = new EnumMap<>(Direction.class);
    /** The shared program each direction's attachment holds, by key: released when it is swapped out or detached. */
    private final EnumMap<Direction, String> leases = new EnumMap<>(Direction.class);
    private final Map<AttachType, Attachment> bind = new EnumMap<>(AttachType.class);
    private final List<Attachment> foreign = new ArrayList<>();
    private UnitPolicy applied;

    private UnitDatapath(UnitPolicy p, AttachMechanism mode, Path pinDir, UnitState state, SharedPrograms shared, SharedTries tries,
                         BpfMap ring) {
        this.unit = p.unit();
        this.cgroup = p.cgroup();
        this.mode = mode;
        this.pinDir = pinDir;
        this.state = state;
        this.shared = shared;
        this.tries = tries;
        this.ring = ring;
    }

    /**
     * The trie a program load references, for one reconcile: the shared one of a new list, or
     * opened from the unit's pin when a load first needs it (closed after).
     */
    private final class LoadMaps implements AutoCloseable {
        private BpfMap trie;
        private boolean opened; // from the pin, ours to close; a shared trie is not

        BpfMap trie() {
            if (trie == null) {
                trie = BpfMap.fromPin(pinDir.resolve(PinLayout.POLICY));
                opened = true;
            }
            return trie;
        }

        /** The shared trie of a new list replaces the one the pin holds, for the loads that follow. */
        void newTrie(BpfMap shared) {
            close();
            trie = shared;
            opened = false;
        }

        @Override
        public void close() {
            if (trie != null && opened) trie.close();
            trie = null;
        }
    }

    /** A new events map: an empty bucket, zero counts, and its own id as the unit's id in events. */
    static BpfMap eventsMap(String unit) {
        BpfMap m = BpfMap.create(dev.tollgate.bpf.MapSpec.of(dev.tollgate.bpf.MapType.ARRAY, ObjectName.sanitize("tge_" + unit),
                4, DropEventLayout.STATE_SIZE, 1));
        try {
            byte[] v = new byte[DropEventLayout.STATE_SIZE];
            java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder()).putInt(DropEventLayout.UNIT_ID, m.id());
            m.update(dev.tollgate.bpf.Bytes.u32(0), v);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Creates everything for a starting unit, with fresh counters: in the daemon's cgroup
     * storage when {@code storage} is given, else in maps of its own. Nothing is left behind
     * if it fails.
     */
    static UnitDatapath create(UnitPolicy p, AttachMechanism mode, PinLayout pins, BpfMap ring, CgroupStorage storage,
                               SharedPrograms shared, SharedTries tries, java.util.function.Consumer<UnitDatapath> beforeAttach) {
        Path dir = pins.unit(p.unit());
        Pins.removeTree(dir);
        Pins.makeDirectory(dir);
        UnitState state;
        if (storage != null) {
            long id;
            try {
                id = dev.tollgate.libc.CgroupId.of(p.cgroup());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the cgroup id of " + p.cgroup(), e);
            }
            Pins.makeDirectory(UnitState.InCgroupStorage.marker(dir, id));
            // A cgroup that outlived the unit's last run still has its entries: a start resets them.
            storage.reset(id);
            state = new UnitState.InCgroupStorage(storage, id);
        } else {
            BpfMap counters = SliceCounters.counterMap("tgc_" + p.unit());
            BpfMap events;
            try {
                events = eventsMap(p.unit());
            } catch (RuntimeException e) {
                counters.close();
                throw e;
            }
            state = new UnitState.OwnMaps(counters, events);
        }
        UnitDatapath d = new UnitDatapath(p, mode, dir, state, shared, tries, ring);
        d.noForeignPins = true; // its directory was just made
        try (LoadMaps maps = d.new LoadMaps()) {
            if (state instanceof UnitState.OwnMaps own) {
                own.countersMap().pin(dir.resolve(PinLayout.COUNTERS));
                own.eventsMap().pin(dir.resolve(PinLayout.EVENTS));
            }
            beforeAttach.accept(d);
            d.reconcile(p, maps);
            return d;
        } catch (RuntimeException e) {
            d.remove();
            throw e;
        }
    }

    /**
     * Takes over a running unit's objects from its pins after a daemon restart: verifies each
     * attachment (cgroup, attach type, mode), keeps the counters, and brings policy and
     * programs up to date with atomic swaps. Empty if there is nothing pinned for it.
     */
    static java.util.Optional<UnitDatapath> adopt(UnitPolicy p, AttachMechanism mode, PinLayout pins, BpfMap ring,
                                                  CgroupStorage storage, SharedPrograms shared, SharedTries tries) {
        Path dir = pins.unit(p.unit());
        Path counterPin = dir.resolve(PinLayout.COUNTERS);
        java.util.OptionalLong storageId = storageMarker(dir);
        UnitState state;
        if (storageId.isPresent()) {
            if (storage == null)
                throw new IllegalStateException(p.unit() + " keeps its counters in cgroup storage, which is not pinned at "
                        + pins.root());
            long now;
            try {
                now = dev.tollgate.libc.CgroupId.of(p.cgroup());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the cgroup id of " + p.cgroup(), e);
            }
            if (now != storageId.getAsLong())
                throw new IllegalStateException(p.unit() + ": its pins are of cgroup id " + storageId.getAsLong() + ", but "
                        + p.cgroup() + " has id " + now);
            state = new UnitState.InCgroupStorage(storage, now);
        } else if (Files.exists(counterPin)) {
            Path eventsPin = dir.resolve(PinLayout.EVENTS);
            BpfMap counters = BpfMap.fromPin(counterPin);
            BpfMap events;
            try {
                // A unit started by a version without drop events gets its events map now.
                if (Files.exists(eventsPin)) {
                    events = BpfMap.fromPin(eventsPin);
                } else {
                    events = eventsMap(p.unit());
                    events.pin(eventsPin);
                }
            } catch (RuntimeException e) {
                counters.close();
                throw e;
            }
            state = new UnitState.OwnMaps(counters, events);
        } else {
            return java.util.Optional.empty();
        }
        UnitDatapath d = new UnitDatapath(p, mode, dir, state, shared, tries, ring);
        try (LoadMaps maps = d.new LoadMaps(); CgroupHandle cg = CgroupHandle.open(p.cgroup())) {
            // A process killed inside Pins.pinReplacing leaves its temporary policy pin; the
            // policy is rebuilt below anyway.
            Pins.unpin(dir.resolve(PinLayout.POLICY + "_new"));
            d.policyPinned = Files.exists(dir.resolve(PinLayout.POLICY));
            for (Direction dir2 : Direction.values()) {
                Path pin = dir.resolve(dir2.shortName());
                if (Files.exists(pin)) d.skb.put(dir2, Attachment.open(mode, cg, dir2.attachType, pin));
            }
            for (AttachType t : List.of(AttachType.CGROUP_INET4_BIND, AttachType.CGROUP_INET6_BIND)) {
                Path pin = dir.resolve(t.systemdName);
                if (Files.exists(pin)) d.bind.put(t, Attachment.open(mode, cg, t, pin));
            }
            for (Path pin : foreignPins(dir)) {
                AttachType t = AttachType.bySystemdName(pin.getFileName().toString().substring(FOREIGN_PREFIX.length())
                        .replaceFirst("_[0-9]+$", "")).orElseThrow(() -> new IllegalStateException("unknown pin " + pin));
                d.foreign.add(Attachment.open(mode, cg, t, pin));
            }
            d.applied = null;
            d.reconcile(p, maps);
            return java.util.Optional.of(d);
        } catch (RuntimeException e) {
            // Its attachments stay (the next take-over finds them); the holds it took go.
            for (Direction x : Direction.values()) d.release(x);
            d.close();
            throw e;
        }
    }

    /** The cgroup id a unit's pins record, if its state is in cgroup storage. */
    static java.util.OptionalLong storageMarker(Path unitDir) {
        if (!Files.isDirectory(unitDir)) return java.util.OptionalLong.empty();
        try (Stream<Path> s = Files.list(unitDir)) {
            return s.map(x -> x.getFileName().toString())
                    .filter(n -> n.startsWith(UnitState.InCgroupStorage.MARKER_PREFIX))
                    .mapToLong(n -> Long.parseUnsignedLong(n.substring(UnitState.InCgroupStorage.MARKER_PREFIX.length())))
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + unitDir, e);
        }
    }

    /** A unit's counters straight from its pins, in either form, without a daemon (tests, tools); empty if none are pinned. */
    public static java.util.Optional<CounterSums> readPinned(PinLayout pins, String unit) {
        Path dir = pins.unit(unit);
        java.util.OptionalLong id = storageMarker(dir);
        if (id.isPresent()) {
            try (CgroupStorage s = CgroupStorage.openPinned(pins.root()).orElse(null)) {
                return s == null ? java.util.Optional.empty() : s.counters(id.getAsLong());
            }
        }
        Path pin = dir.resolve(PinLayout.COUNTERS);
        if (!Files.exists(pin)) return java.util.Optional.empty();
        try (BpfMap m = BpfMap.fromPin(pin)) {
            return java.util.Optional.of(SliceCounters.read(m));
        }
    }

    private static List<Path> foreignPins(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(x -> x.getFileName().toString().startsWith(FOREIGN_PREFIX)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    public String unit() {
        return unit;
    }

    public Path cgroup() {
        return cgroup;
    }

    public AttachMechanism mode() {
        return mode;
    }

    public UnitPolicy applied() {
        return applied;
    }

    /** The unit's own counters (also counted when its accounting is off, for the drops). */
    public CounterSums counters() {
        return state.counters();
    }

    /** The unit's id in drop events ({@link DropRecord#unitId}). */
    public int eventUnitId() {
        return state.eventUnitId();
    }

    /** The drop events the unit's programs emitted and suppressed since it started. */
    public DropEventCounters dropEventCounters() {
        return state.dropEventCounters();
    }

    /** Where its counters are, which accounted slices sum (see {@link SliceCounters}). */
    UnitState state() {
        return state;
    }

    /** Whether its programs are shared with other units (its state is in cgroup storage). */
    public boolean sharesPrograms() {
        return state instanceof UnitState.InCgroupStorage;
    }

    /** Ids of the programs attached for this unit, for bpftool cross-checks. */
    public Map<String, Integer> programIds() {
        Map<String, Integer> ids = new HashMap<>();
        skb.forEach((d, a) -> ids.put(d.shortName(), a.programId()));
        bind.forEach((t, a) -> ids.put(t.systemdName, a.programId()));
        return ids;
    }

    /** Applies a changed policy: only what differs, each change atomic. */
    synchronized void apply(UnitPolicy next) {
        if (!next.unit().equals(unit) || !next.cgroup().equals(cgroup))
            throw new IllegalArgumentException("policy for " + next.unit() + " at " + next.cgroup()
                    + " applied to " + unit + " at " + cgroup);
        try (LoadMaps maps = new LoadMaps()) {
            reconcile(next, maps);
        }
    }

    private void reconcile(UnitPolicy next, LoadMaps maps) {
        UnitPolicy before = applied;
        try (CgroupHandle cg = CgroupHandle.open(cgroup)) {
            boolean listsChanged = before == null || !before.addressRules().equals(next.addressRules());
            boolean newTrie = next.firewall() && (listsChanged || !policyPinned);
            if (newTrie) maps.newTrie(tries.acquire(next.addressRules(), ObjectName.sanitize("tgp_" + unit)));
            try {
                for (Direction d : Direction.values()) reconcileSkb(cg, d, before, next, newTrie, maps);
                // The programs now reference the new trie (or none); the old one goes with the old programs.
                // Replaced in one step where a reader may find the pin; else just pinned (a start).
                if (newTrie && policyPinned) Pins.pinReplacing(maps.trie().fd(), pinDir.resolve(PinLayout.POLICY));
                else if (newTrie) Pins.pin(maps.trie().fd(), pinDir.resolve(PinLayout.POLICY));
            } catch (RuntimeException e) {
                if (newTrie) {
                    maps.close();
                    tries.release(next.addressRules());
                }
                throw e;
            }
            if (newTrie) {
                policyPinned = true;
                releaseTrie();
                heldTrie = next.addressRules();
            } else if (!next.firewall() && policyPinned) {
                Pins.unpin(pinDir.resolve(PinLayout.POLICY));
                policyPinned = false;
                releaseTrie();
            }
            // Storage made by an attach just now: its events carry the unit's id before any process runs.
            if (state instanceof UnitState.InCgroupStorage st && !skb.isEmpty())
                st.storage().claimEvents(st.cgroupId(), st.eventUnitId());
            reconcileBind(cg, before, next);
            reconcileForeign(cg, next);
        }
        applied = next;
    }

    private void reconcileSkb(CgroupHandle cg, Direction d, UnitPolicy before, UnitPolicy next, boolean newTrie, LoadMaps maps) {
        Attachment current = skb.get(d);
        if (!next.needsSkbPrograms()) {
            if (current != null) {
                current.detach();
                skb.remove(d);
                release(d);
            }
            return;
        }
        boolean shapeChanged = before == null || !shape(before, d).equals(shape(next, d));
        // A compiled list is part of the shape; a trie program must move to a new trie.
        if (current != null && !shapeChanged && !(newTrie && next.shape(d).usesTrie())) return;
        Loaded program = loadSkb(shape(next, d), maps);
        try {
            if (current == null) {
                Attachment a = Attachment.attach(mode, cg, d.attachType, program.program());
                skb.put(d, a);
                a.pin(pinDir.resolve(d.shortName()));
            } else if (current.programId() != program.program().id()) {
                current.replace(program.program());
            }
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
        // The attachment holds the new program now; the old one's hold goes.
        release(d);
        if (program.lease() != null) leases.put(d, program.lease().key());
        else program.close();
    }

    private void releaseTrie() {
        if (heldTrie != null) tries.release(heldTrie);
        heldTrie = null;
    }

    private void release(Direction d) {
        String key = leases.remove(d);
        if (key != null) shared.release(key);
    }

    /** A program to attach: shared (held by a lease until released) or the unit's own (closed once attached). */
    private record Loaded(BpfProgram program, SharedPrograms.Lease lease, SharedPrograms shared) {
        /** Lets go of it without attaching. */
        void close() {
            if (lease != null) shared.release(lease.key());
            else program.close();
        }
    }

    /** The policy's shape, without events where the kernel has no ring buffer for them. */
    private SkbProgram.Shape shape(UnitPolicy p, Direction d) {
        SkbProgram.Shape s = p.shape(d);
        return ring == null ? s.withEvents(DropEventRate.OFF) : s;
    }

    /**
     * A firewall reads addresses straight from the packet where the verifier allows it (5.2+),
     * else with a helper. Where the unit's state is in cgroup storage and the program embeds no
     * map of the unit (no trie), it is the shared program of its shape.
     */
    private Loaded loadSkb(SkbProgram.Shape shape, LoadMaps loadMaps) {
        boolean direct = shape.filters() && Capabilities.kernel().has(KernelCapability.DIRECT_PACKET_READ);
        shape = shape.withDirectRead(direct);
        Map<String, BpfMap> maps = new HashMap<>();
        state.addProgramMaps(maps, shape.emitsEvents());
        if (shape.usesTrie()) maps.put(SkbProgram.POLICY_MAP, loadMaps.trie());
        if (shape.emitsEvents()) maps.put(SkbProgram.RING_MAP, Objects.requireNonNull(ring, "drop event ring"));
        String name = (shape.filters() ? "tg_fw_" : "tg_acct_") + shape.direction().shortName();
        SkbProgram.Shape built = shape;
        if (state.access() == SkbProgram.StateAccess.CGROUP_STORAGE && !shape.usesTrie()) {
            SharedPrograms.Lease lease = shared.acquire(built, name, () -> SkbProgram.build(built, state.access()), maps);
            return new Loaded(lease.program(), lease, shared);
        }
        dev.tollgate.bpf.asm.Instructions insns = SkbProgram.build(shape, state.access());
        return new Loaded(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, name, null, insns, maps)), null, null);
    }

    private void reconcileBind(CgroupHandle cg, UnitPolicy before, UnitPolicy next) {
        boolean changed = before == null || !before.socketBind().equals(next.socketBind());
        for (AttachType t : List.of(AttachType.CGROUP_INET4_BIND, AttachType.CGROUP_INET6_BIND)) {
            Attachment current = bind.get(t);
            if (next.socketBind().isEmpty()) {
                if (current != null) {
                    current.detach();
                    bind.remove(t);
                }
                continue;
            }
            if (current != null && !changed) continue;
            try (BpfProgram program = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SOCK_ADDR,
                    "tg_" + t.systemdName, t, SocketBindProgram.build(next.socketBind()), Map.of()))) {
                if (current == null) {
                    Attachment a = Attachment.attach(mode, cg, t, program);
                    bind.put(t, a);
                    a.pin(pinDir.resolve(t.systemdName));
                } else {
                    current.replace(program);
                }
            }
        }
    }

    /** Attaches the wanted programs of others before detaching unwanted ones, so no filter lapses. */
    private void reconcileForeign(CgroupHandle cg, UnitPolicy next) {
        // Most units have none: nothing to attach, and no pin to list the directory for.
        if (foreign.isEmpty() && next.foreignPrograms().isEmpty() && noForeignPins) return;
        List<Attachment> keep = new ArrayList<>();
        List<Attachment> added = new ArrayList<>();
        for (UnitPolicy.ForeignAttachment f : next.foreignPrograms()) {
            try (BpfProgram p = openForeign(f)) {
                Attachment existing = foreign.stream()
                        .filter(a -> a.type() == f.attachType() && a.programId() == p.id() && !keep.contains(a))
                        .findFirst().orElse(null);
                if (existing != null) {
                    keep.add(existing);
                    continue;
                }
                Attachment a = Attachment.attach(mode, cg, f.attachType(), p);
                added.add(a);
            }
        }
        for (Attachment old : foreign) if (!keep.contains(old)) old.detach();
        foreign.clear();
        foreign.addAll(keep);
        foreign.addAll(added);
        // Pinned under stable names: foreign_TYPE_N in the order of the unit's settings. A kept
        // link lives by its pin alone (we hold no descriptor on it), so its pin is moved by
        // rename, never removed: each moving one first to a number no wanted pin has, then home.
        Map<Attachment, Path> wanted = new IdentityHashMap<>();
        Map<AttachType, Integer> seq = new EnumMap<>(AttachType.class);
        for (Attachment a : foreign) {
            int n = seq.merge(a.type(), 1, Integer::sum);
            wanted.put(a, pinDir.resolve(FOREIGN_PREFIX + a.type().systemdName + "_" + n));
        }
        List<Attachment> moving = foreign.stream()
                .filter(a -> a.pinnedAt() != null && !a.pinnedAt().equals(wanted.get(a))).toList();
        for (int i = 0; i < moving.size(); i++) {
            Attachment a = moving.get(i);
            a.pin(pinDir.resolve(FOREIGN_PREFIX + a.type().systemdName + "_" + (MOVING_PIN + i)));
        }
        Set<Path> held = new HashSet<>();
        for (Attachment a : foreign) if (a.pinnedAt() != null) held.add(a.pinnedAt());
        for (Path pin : foreignPins(pinDir)) if (!held.contains(pin)) Pins.unpin(pin);
        for (Attachment a : foreign) if (!wanted.get(a).equals(a.pinnedAt())) a.pin(wanted.get(a));
        noForeignPins = foreign.isEmpty();
    }

    /** Above any unit's count of foreign programs: the numbers of pins on their way to a new one. */
    private static final int MOVING_PIN = 1_000_000;

    private static BpfProgram openForeign(UnitPolicy.ForeignAttachment f) {
        if (!Files.exists(f.pinnedAt()))
            throw new IllegalArgumentException("no BPF program is pinned at " + f.pinnedAt());
        BpfProgram p = BpfProgram.fromPin(f.pinnedAt());
        if (p.info().type() != f.attachType().programType.value) {
            String type = p.info().typeName();
            p.close();
            throw new IllegalArgumentException(f.pinnedAt() + " holds a " + type + " program; attach type "
                    + f.attachType().systemdName + " needs " + f.attachType().programType);
        }
        return p;
    }

    /** Detaches everything of this unit; its pins stay until {@link #remove()}. */
    synchronized void detach() {
        RuntimeException first = null;
        List<Attachment> all = new ArrayList<>(foreign);
        all.addAll(bind.values());
        all.addAll(skb.values());
        for (Attachment a : all) {
            try {
                a.detach();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        foreign.clear();
        bind.clear();
        skb.clear();
        for (Direction d : Direction.values()) release(d);
        if (first != null) throw first;
    }

    /** Detaches and unpins everything of this unit (the unit stopped). */
    public synchronized void remove() {
        try {
            detach();
        } finally {
            close();
            Pins.removeTree(pinDir);
        }
    }

    /** Lets go of our file descriptors; pinned objects and attachments stay (daemon exit for upgrade). */
    @Override
    public synchronized void close() {
        releaseTrie();
        for (Attachment a : foreign) a.close();
        for (Attachment a : bind.values()) a.close();
        for (Attachment a : skb.values()) a.close();
        state.close();
    }
}
