package dev.tollgate.accounting;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R10;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R3;
import static dev.tollgate.bpf.asm.Register.R4;
import static dev.tollgate.bpf.asm.Register.R6;
import static dev.tollgate.bpf.asm.Register.R7;
import static dev.tollgate.bpf.asm.Register.R8;
import static dev.tollgate.bpf.asm.Register.R9;

import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.AtomicOp;
import dev.tollgate.bpf.asm.Helper;
import dev.tollgate.bpf.asm.Instructions;
import dev.tollgate.bpf.asm.Size;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The one cgroup_skb program a unit runs per direction: its interface restrictions first
 * ({@code RestrictNetworkInterfaces=}: compares of {@code skb->ifindex}, one group per level
 * that sets them), then its firewall (when it has address lists), then accounting into its
 * own counters. A packet any of them refuses is counted as dropped. Slices are not touched per packet:
 * a slice's counters are the sum of its members' counters ({@link SliceCounters}), so a
 * packet runs one program of ours, with the same work whatever the depth.
 *
 * <p>The firewall comes in two forms. A short list (at most {@link #COMPILED_MAX} entries) is
 * compiled into the program as masked compares on the address, allow entries first (an allow
 * wins whatever the prefix lengths, as in systemd), then deny entries: no map lookup, no
 * helper call. A longer one is looked up in the unit's {@link PolicyTrie}, so the cost does
 * not grow with the list. A policy change swaps the whole program either way.
 *
 * <p>On the drop path only, and when the unit's {@link DropEventRate} is on, the program
 * also reports the packet as a drop event into the daemon's ring buffer, rate-limited by a
 * token bucket in the unit's events map; an event over the rate, or one the full ring
 * refuses, is counted as suppressed there. The pass path is the same instructions with or
 * without events.
 *
 * <p>Maps it references by name: {@code policy} (the trie, trie form only), {@code unit}
 * (the counters), and with events {@code events} (the bucket and event counters, see
 * {@link DropEventLayout}) and {@code drop_ring} (the ring buffer). Where the unit's state
 * lives is {@link StateAccess}: maps of the unit's own (a lookup of key 0), or the daemon's
 * {@link CgroupStorage} (bpf_get_local_storage: the entry of the cgroup the program is attached
 * to), which makes the program the same for every unit of its shape. Counter slots are
 * per-CPU; the adds are atomic anyway, because two programs may interleave on one CPU when a
 * preemptible kernel runs them with only migration disabled.
 */
public final class SkbProgram {
    /** Longest list compiled into the program; above it the trie's lookup is cheaper than the compares. */
    public static final int COMPILED_MAX = 16;

    /** How the program decides on a packet's address. */
    public sealed interface Firewall {
        /** Accounting only. */
        record None() implements Firewall {}

        /** Looks the address up in the unit's trie. */
        record Trie() implements Firewall {}

        /** The rules themselves, as compares: part of the program, so part of its shape. */
        record Compiled(List<PolicyTrie.Entry> rules) implements Firewall {
            public Compiled {
                rules = List.copyOf(rules);
            }
        }
    }

    /**
     * The shape of a unit's program: what changes it needs a program swap. Interface rules
     * are part of it (ifindexes compiled into the program), so a changed list is a new program.
     */
    public record Shape(Direction direction, Firewall firewall, boolean directRead, List<InterfaceRule> interfaces,
                        DropEventRate events) {
        public Shape {
            interfaces = List.copyOf(interfaces);
            java.util.Objects.requireNonNull(events, "events");
        }

        public Shape(Direction direction, Firewall firewall, boolean directRead, List<InterfaceRule> interfaces) {
            this(direction, firewall, directRead, interfaces, DropEventRate.OFF);
        }

        public Shape(Direction direction, Firewall firewall, boolean directRead) {
            this(direction, firewall, directRead, List.of());
        }

        /** Accounting only. */
        public static Shape accounting(Direction d) {
            return new Shape(d, new Firewall.None(), true);
        }

        /** Firewall by trie lookup, whatever the list. */
        public static Shape trie(Direction d) {
            return new Shape(d, new Firewall.Trie(), true);
        }

        /** The form a list gets: compiled when short, the trie when long; accounting only when empty. */
        public static Shape of(Direction d, List<PolicyTrie.Entry> rules) {
            return of(d, rules, List.of());
        }

        /** As {@link #of(Direction, List)}, behind the given interface restrictions. */
        public static Shape of(Direction d, List<PolicyTrie.Entry> rules, List<InterfaceRule> interfaces) {
            Firewall f = rules.isEmpty() ? new Firewall.None()
                    : rules.size() <= COMPILED_MAX ? new Firewall.Compiled(rules) : new Firewall.Trie();
            return new Shape(d, f, true, interfaces);
        }

        public boolean filters() {
            return !(firewall instanceof Firewall.None) || !interfaces.isEmpty();
        }

        public boolean usesTrie() {
            return firewall instanceof Firewall.Trie;
        }

        public Shape withDirectRead(boolean direct) {
            return new Shape(direction, firewall, direct, interfaces, events);
        }

        /** The same with drop events at this rate (only a program that can drop emits any). */
        public Shape withEvents(DropEventRate rate) {
            return new Shape(direction, firewall, directRead, interfaces, rate);
        }

        /** Whether the program emits drop events (it has a drop path and the rate is on). */
        public boolean emitsEvents() {
            return filters() && events.enabled();
        }
    }

    /** Where the program finds the unit's counters and drop event state. */
    public enum StateAccess {
        /** The unit's own one-entry maps ({@code unit}, {@code events}): a program per unit. */
        UNIT_MAPS,
        /**
         * {@code unit} and {@code events} are the daemon's cgroup storage maps. Both are referenced
         * by every such program, with events or without: the kernel binds a link's storage when it
         * is attached, and a link update does not bind it again, so every program a link may be
         * swapped to must use the same storage maps.
         */
        CGROUP_STORAGE
    }

    public static final String POLICY_MAP = "policy";
    public static final String UNIT_MAP = "unit";
    public static final String EVENTS_MAP = "events";
    public static final String RING_MAP = "drop_ring";

    // Stack: a u32 zero key at fp-4; the LPM key (21 bytes) at fp-32; an address read by the helper at fp-48.
    private static final int ZERO_KEY = -4;
    private static final int LPM_KEY = -32;
    private static final int ADDRESS = -48;
    // The drop path only: the event being built at fp-128, the IP header read by the helper at fp-176.
    private static final int EVENT = -128;
    private static final int HEADER = -176;
    private static final int SKB_LEN = 0, SKB_PROTOCOL = 16, SKB_IFINDEX = 40, SKB_DATA = 76, SKB_DATA_END = 80;

    private SkbProgram() {}

    /** The program for the unit's own maps. */
    public static Instructions build(Shape shape) {
        return build(shape, StateAccess.UNIT_MAPS);
    }

    public static Instructions build(Shape shape, StateAccess access) {
        Direction d = shape.direction();
        Assembler a = new Assembler().mov(R6, R1);
        // The storage maps are bound to a program by its references (see StateAccess); one
        // instruction that only loads the events map binds it where no event is emitted.
        if (access == StateAccess.CGROUP_STORAGE && !shape.emitsEvents()) a.ldMapFd(R1, EVENTS_MAP);
        if (shape.interfaces().stream().anyMatch(InterfaceRule::dropsAll)) {
            // Nothing passes: the pass path would be unreachable code, which the verifier refuses.
            drop(a, shape, access);
            return a.assemble();
        }
        // Whether anything jumps to "drop": the verifier refuses unreachable code.
        boolean drops = interfaces(a, shape.interfaces());
        drops |= switch (shape.firewall()) {
            case Firewall.None n -> false;
            case Firewall.Trie t -> {
                trie(a, d, shape.directRead());
                yield true;
            }
            case Firewall.Compiled c -> compiled(a, d, c.rules(), shape.directRead());
        };
        a.label("pass").ldxw(R7, R6, SKB_LEN);
        count(a, d.passedOffset, "counted", access);
        a.mov(R0, 1).exit();
        if (drops) drop(a, shape, access);
        return a.assemble();
    }

    private static void drop(Assembler a, Shape shape, StateAccess access) {
        a.label("drop").ldxw(R7, R6, SKB_LEN);
        count(a, shape.direction().droppedOffset, "counted_drop", access);
        if (shape.events().enabled()) event(a, shape.direction(), shape.events(), access);
        a.mov(R0, 0).exit();
    }

    /**
     * Takes a token from the unit's bucket and, if there was one, writes the event into the
     * ring buffer; otherwise, or if the ring is full, counts the event as suppressed. The
     * bucket is GCRA with one shared timestamp, the theoretical arrival time (TAT): an event
     * passes when TAT, advanced by one interval for it, was less than a limit ahead of now.
     * The advance is an atomic fetch-add, undone for an event that does not pass, and a TAT
     * left in the past is moved to now by compare-and-exchange, so CPUs racing on one unit never
     * emit more than the rate allows. A changed rate (a reload) starts with a full bucket: the
     * first event of the new program finds another interval recorded and refills it. R6 skb,
     * R7 skb->len, R8 now, R9 the events map value.
     */
    private static void event(Assembler a, Direction d, DropEventRate rate, StateAccess access) {
        a.call(Helper.KTIME_GET_NS).mov(R8, R0);
        state(a, EVENTS_MAP, "event_done", access);
        a.mov(R9, R0)
                // A bucket reckoned at another rate: whoever swaps in this rate's interval refills it.
                .ldxw(R1, R9, DropEventLayout.RATE_INTERVAL)
                .jeq(R1, (int) rate.intervalNs(), "event_bucket")
                .mov(R0, R1).mov(R2, (int) rate.intervalNs())
                .atomic(AtomicOp.CMPXCHG, Size.W, R9, DropEventLayout.RATE_INTERVAL, R2)
                .jne(R0, R1, "event_bucket")
                .stdw(R9, DropEventLayout.TAT, 0)
                .label("event_bucket")
                .ldxdw(R0, R9, DropEventLayout.TAT)
                .jge(R0, R8, "event_take")
                .mov(R1, R8)
                .atomic(AtomicOp.CMPXCHG, Size.DW, R9, DropEventLayout.TAT, R1)
                .label("event_take")
                .lddw(R1, rate.intervalNs())
                .atomicFetchAdd(Size.DW, R9, DropEventLayout.TAT, R1)
                .lddw(R2, rate.limitNs()).add(R2, R8)
                .jlt(R1, R2, "event_emit")
                .lddw(R1, -rate.intervalNs())
                .atomicAdd(Size.DW, R9, DropEventLayout.TAT, R1)
                .ja("event_suppressed");
        a.label("event_emit");
        for (int i = 0; i < DropEventLayout.EVENT_SIZE; i += 8) a.stdw(R10, EVENT + i, 0);
        a.stxdw(R10, EVENT + DropEventLayout.TIME, R8)
                .ldxw(R1, R9, DropEventLayout.UNIT_ID).stxw(R10, EVENT + DropEventLayout.UNIT, R1)
                .stb(R10, EVENT + DropEventLayout.DIRECTION, d == Direction.INGRESS ? 0 : 1)
                .stxw(R10, EVENT + DropEventLayout.LENGTH, R7)
                .ldxw(R1, R6, SKB_IFINDEX).stxw(R10, EVENT + DropEventLayout.IFINDEX, R1)
                .ldxw(R1, R6, SKB_PROTOCOL)
                .jeq(R1, networkOrder16(0x0800), "event_ipv4")
                .jeq(R1, networkOrder16(0x86DD), "event_ipv6")
                .ja("event_send");
        // IPv4: protocol at 9, addresses at 12 and 16; ports only in a first (or only) fragment.
        a.label("event_ipv4").stb(R10, EVENT + DropEventLayout.FAMILY, 4);
        header(a, 20);
        a.ldxb(R1, R10, HEADER + 9).stxb(R10, EVENT + DropEventLayout.PROTOCOL, R1);
        copyWords(a, 12, DropEventLayout.SOURCE, 1);
        copyWords(a, 16, DropEventLayout.DESTINATION, 1);
        a.ldxb(R1, R10, HEADER + 6).and(R1, 0x1f).ldxb(R2, R10, HEADER + 7).or(R1, R2)
                .jne(R1, 0, "event_send")
                .ldxb(R2, R10, HEADER).and(R2, 0x0f).lsh(R2, 2)
                .ldxb(R1, R10, HEADER + 9)
                .ja("event_transport");
        // IPv6: next header at 6, addresses at 8 and 24; ports when no extension header comes first.
        a.label("event_ipv6").stb(R10, EVENT + DropEventLayout.FAMILY, 6);
        header(a, 40);
        a.ldxb(R1, R10, HEADER + 6).stxb(R10, EVENT + DropEventLayout.PROTOCOL, R1);
        copyWords(a, 8, DropEventLayout.SOURCE, 4);
        copyWords(a, 24, DropEventLayout.DESTINATION, 4);
        a.ldxb(R1, R10, HEADER + 6).mov(R2, 40);
        // R1 the protocol, R2 where its header starts.
        a.label("event_transport")
                .jeq(R1, 6, "event_ports")
                .jeq(R1, 17, "event_ports")
                .jeq(R1, 1, "event_ports")
                .jeq(R1, 58, "event_ports")
                .ja("event_send");
        // A packet too short for them leaves them zero (the helper clears its buffer on failure).
        a.label("event_ports")
                .mov(R1, R6).mov(R3, R10).add(R3, EVENT + DropEventLayout.TRANSPORT).mov(R4, 4)
                .call(Helper.SKB_LOAD_BYTES);
        a.label("event_send")
                .ldMapFd(R1, RING_MAP).mov(R2, R10).add(R2, EVENT).mov(R3, DropEventLayout.EVENT_SIZE).mov(R4, 0)
                .call(Helper.RINGBUF_OUTPUT)
                .jne(R0, 0, "event_suppressed")
                .mov(R1, 1).atomicAdd(Size.DW, R9, DropEventLayout.EMITTED, R1)
                .ja("event_done");
        a.label("event_suppressed")
                .mov(R1, 1).atomicAdd(Size.DW, R9, DropEventLayout.SUPPRESSED, R1)
                .label("event_done");
    }

    /** The first {@code len} bytes of the IP header to fp-176; a packet too short is reported without them. */
    private static void header(Assembler a, int len) {
        a.mov(R1, R6).mov(R2, 0).mov(R3, R10).add(R3, HEADER).mov(R4, len)
                .call(Helper.SKB_LOAD_BYTES)
                .jne(R0, 0, "event_send");
    }

    private static void copyWords(Assembler a, int from, int to, int words) {
        for (int w = 0; w < words; w++) a.ldxw(R1, R10, HEADER + from + 4 * w).stxw(R10, EVENT + to + 4 * w, R1);
    }

    /**
     * Each level's interface rule as compares of {@code skb->ifindex} (the device the packet
     * leaves by on egress, arrives on at ingress), as systemd's restrict-ifaces program checks
     * it. Returns whether any compare leads to "drop". Lists are short (interfaces of a host),
     * so compares cost less than the hash lookup systemd does.
     */
    private static boolean interfaces(Assembler a, List<InterfaceRule> rules) {
        boolean drops = false;
        int n = 0;
        for (InterfaceRule r : rules) {
            if (!r.allowList() && r.ifindexes().isEmpty()) continue; // denies nothing
            String ok = "ifaces_ok" + n++;
            a.ldxw(R7, R6, SKB_IFINDEX);
            for (int index : r.ifindexes()) a.jeq(R7, index, r.allowList() ? ok : "drop");
            if (r.allowList()) a.ja("drop");
            a.label(ok);
            drops = true;
        }
        return drops;
    }

    private static void dispatch(Assembler a) {
        a.ldxw(R7, R6, SKB_PROTOCOL)
                .jeq(R7, networkOrder16(0x0800), "ipv4")
                .jeq(R7, networkOrder16(0x86DD), "ipv6")
                .ja("pass");
    }

    /** Looks the checked address up in the unit's trie: allow wins, then deny drops, else pass. */
    private static void trie(Assembler a, Direction d, boolean direct) {
        dispatch(a);
        key(a, "ipv4", PolicyTrie.FAMILY_IPV4, 32, d.ipv4AddressOffset, 4, direct);
        a.ja("lookup");
        key(a, "ipv6", PolicyTrie.FAMILY_IPV6, 128, d.ipv6AddressOffset, 16, direct);
        a.label("lookup")
                .ldMapFd(R1, POLICY_MAP).mov(R2, R10).add(R2, LPM_KEY)
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, "pass")
                .ldxw(R1, R0, 0)
                .jset(R1, PolicyTrie.ALLOW, "pass")
                .jset(R1, PolicyTrie.DENY, "drop")
                .ja("pass");
    }

    /**
     * Builds {prefixlen, family, address} on the stack from the packet's IP header: read
     * directly when the linear data holds the address (about 40 ns a packet cheaper than the
     * helper, measured by bench/datapath.sh), else with bpf_skb_load_bytes.
     */
    private static void key(Assembler a, String label, int family, int bits, int headerOffset, int len, boolean direct) {
        a.label(label)
                .stdw(R10, LPM_KEY, 0).stdw(R10, LPM_KEY + 8, 0).stdw(R10, LPM_KEY + 16, 0)
                .stw(R10, LPM_KEY, PolicyTrie.FAMILY_BITS + bits)
                .stb(R10, LPM_KEY + 4, family);
        if (direct) {
            a.ldxw(R2, R6, SKB_DATA).ldxw(R3, R6, SKB_DATA_END)
                    .mov(R1, R2).add(R1, headerOffset + len)
                    .jgt(R1, R3, label + "_helper");
            // Byte copies keep the key's unaligned layout ({u32; u8 family; u8 address[]}) simple.
            for (int i = 0; i < len; i++) a.ldxb(R1, R2, headerOffset + i).stxb(R10, LPM_KEY + 5 + i, R1);
            a.ja(label + "_read");
            a.label(label + "_helper");
        }
        a.mov(R1, R6).mov(R2, headerOffset).mov(R3, R10).add(R3, LPM_KEY + 5).mov(R4, len)
                .call(Helper.SKB_LOAD_BYTES)
                // A header too short to hold the address is not filtered (the kernel would not deliver it).
                .jne(R0, 0, "pass");
        if (direct) a.label(label + "_read");
    }

    /**
     * The rules as compares. R8 points at the checked address: into the packet when the linear
     * data holds it, else at a copy on the stack made by bpf_skb_load_bytes. Addresses are
     * compared as 32-bit words in the order they were loaded, masks and values converted the
     * same way, so no byte swap is needed.
     */
    private static boolean compiled(Assembler a, Direction d, List<PolicyTrie.Entry> rules, boolean direct) {
        boolean drops = false;
        dispatch(a);
        for (int len : new int[] {4, 16}) {
            String label = len == 4 ? "ipv4" : "ipv6";
            if (rules.stream().noneMatch(e -> e.address().length == len)) {
                a.label(label).ja("pass"); // no rule for this family: nothing to read
                continue;
            }
            address(a, label, len == 4 ? d.ipv4AddressOffset : d.ipv6AddressOffset, len, direct);
            drops |= compares(a, label, rules, len);
        }
        return drops;
    }

    private static void address(Assembler a, String label, int headerOffset, int len, boolean direct) {
        a.label(label);
        if (direct) {
            a.ldxw(R8, R6, SKB_DATA).ldxw(R3, R6, SKB_DATA_END)
                    .mov(R1, R8).add(R1, headerOffset + len)
                    .jgt(R1, R3, label + "_helper")
                    .add(R8, headerOffset)
                    .ja(label + "_read");
            a.label(label + "_helper");
        }
        a.mov(R1, R6).mov(R2, headerOffset).mov(R3, R10).add(R3, ADDRESS).mov(R4, len)
                .call(Helper.SKB_LOAD_BYTES)
                .jne(R0, 0, "pass")
                .mov(R8, R10).add(R8, ADDRESS);
        if (direct) a.label(label + "_read");
    }

    /**
     * Allow entries, then deny entries, then pass; nothing after a prefix of length 0 (it
     * matches all). Returns whether any compare leads to "drop".
     */
    private static boolean compares(Assembler a, String family, List<PolicyTrie.Entry> rules, int len) {
        int n = 0;
        boolean drops = false;
        for (int flag : new int[] {PolicyTrie.ALLOW, PolicyTrie.DENY}) {
            String target = flag == PolicyTrie.ALLOW ? "pass" : "drop";
            for (PolicyTrie.Entry e : rules) {
                if ((e.flags() & flag) == 0 || e.address().length != len) continue;
                String next = family + "_next" + n++;
                byte[] addr = e.address();
                int words = (e.prefixLength() + 31) / 32;
                if (words == 0) {
                    // 0.0.0.0/0 or ::/0: every address of the family matches; what follows is unreachable.
                    a.ja(target);
                    return drops || flag == PolicyTrie.DENY;
                }
                drops |= flag == PolicyTrie.DENY;
                for (int w = 0; w < words; w++) {
                    int bits = Math.min(32, e.prefixLength() - 32 * w);
                    int mask = asLoaded(bits == 32 ? -1 : -1 << (32 - bits));
                    int value = asLoaded(ByteBuffer.wrap(addr, 4 * w, 4).order(ByteOrder.BIG_ENDIAN).getInt()) & mask;
                    a.ldxw(R1, R8, 4 * w);
                    if (bits < 32) a.and32(R1, mask);
                    if (w < words - 1) a.jne32(R1, value, next);
                    else a.jeq32(R1, value, target);
                }
                a.label(next);
            }
        }
        a.ja("pass");
        return drops;
    }

    /** A big-endian (network order) word as a u32 load from memory sees it on this machine. */
    private static int asLoaded(int networkOrder) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(networkOrder) : networkOrder;
    }

    /**
     * R0 = the unit's value in {@code map}: a lookup of key 0 in its own map (on to
     * {@code missing} if there is none), or its cgroup's storage, which the kernel guarantees.
     */
    private static void state(Assembler a, String map, String missing, StateAccess access) {
        switch (access) {
            case UNIT_MAPS -> a.stw(R10, ZERO_KEY, 0)
                    .ldMapFd(R1, map).mov(R2, R10).add(R2, ZERO_KEY)
                    .call(Helper.MAP_LOOKUP_ELEM)
                    .jeq(R0, 0, missing);
            case CGROUP_STORAGE -> a.ldMapFd(R1, map).mov(R2, 0).call(Helper.GET_LOCAL_STORAGE);
        }
    }

    private static void count(Assembler a, int offset, String next, StateAccess access) {
        state(a, UNIT_MAP, next, access);
        a.mov(R1, 1)
                .atomicAdd(Size.DW, R0, offset, R1)
                .atomicAdd(Size.DW, R0, offset + 8, R7)
                .label(next);
    }

    /** skb->protocol holds the EtherType in network order; this is how a u32 load sees it. */
    static int networkOrder16(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes((short) v) & 0xffff : v;
    }
}
