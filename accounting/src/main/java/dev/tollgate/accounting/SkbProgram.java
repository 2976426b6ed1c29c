package dev.tollgate.accounting;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R10;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R3;
import static dev.tollgate.bpf.asm.Register.R4;
import static dev.tollgate.bpf.asm.Register.R6;
import static dev.tollgate.bpf.asm.Register.R7;

import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Helper;
import dev.tollgate.bpf.asm.Instructions;
import dev.tollgate.bpf.asm.Size;
import java.nio.ByteOrder;

/**
 * The one cgroup_skb program a unit runs per direction: its firewall first (when it has
 * address lists), then accounting into its own counters and those of every accounted
 * ancestor slice, so a packet runs one program of ours whatever the depth.
 *
 * <p>Maps it references by name: {@code policy} (the unit's {@link PolicyTrie}), {@code unit}
 * (the unit's counters), {@code slice0}…
 * (accounted slices' counters, nearest first). Counter slots are per-CPU; the adds are
 * atomic anyway, because two programs may interleave on one CPU when a preemptible kernel
 * runs them with only migration disabled.
 */
public final class SkbProgram {
    /** The shape of a unit's program: what changes it needs a program swap, not a map update. */
    public record Shape(Direction direction, boolean firewall, int accountedSlices, boolean directRead) {
        public Shape {
            if (accountedSlices < 0 || accountedSlices > 64)
                throw new IllegalArgumentException("accounted slices must be 0..64, got " + accountedSlices);
        }

        /** With direct packet reads (kernel 5.2+), the default. */
        public Shape(Direction direction, boolean firewall, int accountedSlices) {
            this(direction, firewall, accountedSlices, true);
        }

        public Shape withDirectRead(boolean direct) {
            return new Shape(direction, firewall, accountedSlices, direct);
        }
    }

    public static final String POLICY_MAP = "policy";
    public static final String UNIT_MAP = "unit";

    // Stack: a u32 zero key at fp-4; the LPM key (21 bytes) at fp-32.
    private static final int ZERO_KEY = -4;
    private static final int LPM_KEY = -32;
    private static final int SKB_LEN = 0, SKB_PROTOCOL = 16, SKB_DATA = 76, SKB_DATA_END = 80;

    private SkbProgram() {}

    public static String sliceMap(int index) {
        return "slice" + index;
    }

    public static Instructions build(Shape shape) {
        Direction d = shape.direction();
        Assembler a = new Assembler()
                .mov(R6, R1)
                .stw(R10, ZERO_KEY, 0);
        if (shape.firewall()) firewall(a, d, shape.directRead());
        a.label("pass").ldxw(R7, R6, SKB_LEN);
        count(a, UNIT_MAP, d.passedOffset, "counted_unit");
        for (int i = 0; i < shape.accountedSlices(); i++) count(a, sliceMap(i), d.passedOffset, "counted_slice" + i);
        a.mov(R0, 1).exit();
        if (shape.firewall()) {
            a.label("drop").ldxw(R7, R6, SKB_LEN);
            count(a, UNIT_MAP, d.droppedOffset, "counted_drop");
            a.mov(R0, 0).exit();
        }
        return a.assemble();
    }

    /** Looks the checked address up in the unit's trie: allow wins, then deny drops, else pass. */
    private static void firewall(Assembler a, Direction d, boolean direct) {
        a.ldxw(R7, R6, SKB_PROTOCOL)
                .jeq(R7, networkOrder16(0x0800), "ipv4")
                .jeq(R7, networkOrder16(0x86DD), "ipv6")
                .ja("pass");
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

    private static void count(Assembler a, String map, int offset, String next) {
        a.ldMapFd(R1, map).mov(R2, R10).add(R2, ZERO_KEY)
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, next)
                .mov(R1, 1)
                .atomicAdd(Size.DW, R0, offset, R1)
                .atomicAdd(Size.DW, R0, offset + 8, R7)
                .label(next);
    }

    /** skb->protocol holds the EtherType in network order; this is how a u32 load sees it. */
    static int networkOrder16(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes((short) v) & 0xffff : v;
    }
}
