package dev.tollgate.bench;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R10;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R3;
import static dev.tollgate.bpf.asm.Register.R4;
import static dev.tollgate.bpf.asm.Register.R6;
import static dev.tollgate.bpf.asm.Register.R7;

import dev.tollgate.accounting.CounterLayout;
import dev.tollgate.accounting.Direction;
import dev.tollgate.accounting.PolicyTrie;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Helper;
import dev.tollgate.bpf.asm.Instructions;
import dev.tollgate.bpf.asm.Size;
import dev.tollgate.bpf.link.AttachMode;
import dev.tollgate.bpf.link.Attachment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What-if variants of tollgate's unit program ({@code dev.tollgate.accounting.SkbProgram}),
 * for {@code datapath.sh --what-if} only: the same structure, maps and verdicts, with one
 * technique changed at a time, to show what each part of the cost is and what a change to the
 * accounting module would buy. Never used by tollgate itself.
 *
 * <ul>
 *   <li>{@code directRead}: read the checked address straight from the packet (cgroup_skb
 *       programs may read {@code skb->data..data_end}, kernel 5.2+), falling back to
 *       {@code bpf_skb_load_bytes} only when the header is not in the linear part.</li>
 *   <li>{@code plainAdds}: add to the per-CPU counters with load/add/store instead of locked
 *       adds.</li>
 * </ul>
 */
final class WhatIfProgram implements AutoCloseable {
    record Variant(boolean firewall, int slices, boolean directRead, boolean plainAdds) {}

    private static final int ZERO_KEY = -4, LPM_KEY = -32;
    private static final int SKB_LEN = 0, SKB_PROTOCOL = 16, SKB_DATA = 76, SKB_DATA_END = 80;

    private final List<BpfMap> maps = new ArrayList<>();
    private final List<Attachment> attachments = new ArrayList<>();
    private final List<Integer> programIds = new ArrayList<>();

    private WhatIfProgram() {}

    static Instructions build(Direction d, Variant v) {
        Assembler a = new Assembler().mov(R6, R1).stw(R10, ZERO_KEY, 0);
        if (v.firewall()) firewall(a, d, v);
        a.label("pass").ldxw(R7, R6, SKB_LEN);
        count(a, "unit", d.passedOffset, "counted_unit", v.plainAdds());
        for (int i = 0; i < v.slices(); i++) count(a, "slice" + i, d.passedOffset, "counted_slice" + i, v.plainAdds());
        a.mov(R0, 1).exit();
        if (v.firewall()) {
            a.label("drop").ldxw(R7, R6, SKB_LEN);
            count(a, "unit", d.droppedOffset, "counted_drop", v.plainAdds());
            a.mov(R0, 0).exit();
        }
        return a.assemble();
    }

    private static void firewall(Assembler a, Direction d, Variant v) {
        a.ldxw(R7, R6, SKB_PROTOCOL)
                .jeq(R7, be16(0x0800), "ipv4")
                .jeq(R7, be16(0x86DD), "ipv6")
                .ja("pass");
        key(a, "ipv4", PolicyTrie.FAMILY_IPV4, 32, d.ipv4AddressOffset, 4, v.directRead());
        a.ja("lookup");
        key(a, "ipv6", PolicyTrie.FAMILY_IPV6, 128, d.ipv6AddressOffset, 16, v.directRead());
        a.label("lookup")
                .ldMapFd(R1, "policy").mov(R2, R10).add(R2, LPM_KEY)
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, "pass")
                .ldxw(R1, R0, 0)
                .jset(R1, PolicyTrie.ALLOW, "pass")
                .jset(R1, PolicyTrie.DENY, "drop")
                .ja("pass");
    }

    private static void key(Assembler a, String label, int family, int bits, int offset, int len, boolean direct) {
        a.label(label)
                .stdw(R10, LPM_KEY, 0).stdw(R10, LPM_KEY + 8, 0).stdw(R10, LPM_KEY + 16, 0)
                .stw(R10, LPM_KEY, PolicyTrie.FAMILY_BITS + bits)
                .stb(R10, LPM_KEY + 4, family);
        if (direct) {
            // The address at data + offset, if the linear part holds it; byte stores keep the
            // unaligned key layout ({u32; u8 family; u8 addr[]}) without assumptions.
            a.ldxw(R2, R6, SKB_DATA).ldxw(R3, R6, SKB_DATA_END)
                    .mov(R1, R2).add(R1, offset + len)
                    .jgt(R1, R3, label + "_slow");
            for (int i = 0; i < len; i++) a.ldxb(R1, R2, offset + i).stxb(R10, LPM_KEY + 5 + i, R1);
            a.ja(label + "_done");
            a.label(label + "_slow");
        }
        a.mov(R1, R6).mov(R2, offset).mov(R3, R10).add(R3, LPM_KEY + 5).mov(R4, len)
                .call(Helper.SKB_LOAD_BYTES)
                .jne(R0, 0, "pass");
        if (direct) a.label(label + "_done").mov(R0, 0);
    }

    private static void count(Assembler a, String map, int offset, String next, boolean plain) {
        a.ldMapFd(R1, map).mov(R2, R10).add(R2, ZERO_KEY)
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, next);
        if (plain) {
            a.ldxdw(R1, R0, offset).add(R1, 1).stxdw(R0, offset, R1)
                    .ldxdw(R1, R0, offset + 8).add(R1, R7).stxdw(R0, offset + 8, R1);
        } else {
            a.mov(R1, 1).atomicAdd(Size.DW, R0, offset, R1).atomicAdd(Size.DW, R0, offset + 8, R7);
        }
        a.label(next);
    }

    private static int be16(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes((short) v) & 0xffff : v;
    }

    /** Creates the maps (fresh counters, the trie with {@code rules}) and attaches the variant to {@code cgroup} by link. */
    static WhatIfProgram install(Path cgroup, Variant v, List<FirewallRules.Prefix> rules) {
        WhatIfProgram w = new WhatIfProgram();
        try {
            Map<String, BpfMap> m = new HashMap<>();
            m.put("unit", w.keep(counters("wi_unit")));
            for (int i = 0; i < v.slices(); i++) m.put("slice" + i, w.keep(counters("wi_slice" + i)));
            if (v.firewall()) m.put("policy", w.keep(PolicyTrie.create("wi_policy", FirewallRules.trieEntries(rules))));
            try (CgroupHandle cg = CgroupHandle.open(cgroup)) {
                for (Direction d : Direction.values()) {
                    try (BpfProgram p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_whatif_" + d.shortName().charAt(0),
                            null, build(d, v), m))) {
                        w.attachments.add(Attachment.attach(AttachMode.LINK, cg, d.attachType, p));
                        w.programIds.add(p.id());
                    }
                }
            }
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static BpfMap counters(String name) {
        return BpfMap.create(MapSpec.of(MapType.PERCPU_ARRAY, name, 4, CounterLayout.VALUE_SIZE, 1));
    }

    private BpfMap keep(BpfMap m) {
        maps.add(m);
        return m;
    }

    /** Program ids, ingress then egress. */
    List<Integer> programIds() {
        return programIds;
    }

    long unitPackets(Direction d) {
        return maps.getFirst().lookupSummedU64(dev.tollgate.bpf.Bytes.u32(0))
                .map(f -> f[d.passedOffset / 8]).orElse(-1L);
    }

    @Override
    public void close() {
        for (Attachment a : attachments) a.detach();
        attachments.clear();
        maps.forEach(BpfMap::close);
        maps.clear();
    }
}
