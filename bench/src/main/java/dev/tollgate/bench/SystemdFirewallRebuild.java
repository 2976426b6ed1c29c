package dev.tollgate.bench;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R10;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R3;
import static dev.tollgate.bpf.asm.Register.R4;
import static dev.tollgate.bpf.asm.Register.R6;
import static dev.tollgate.bpf.asm.Register.R7;
import static dev.tollgate.bpf.asm.Register.R8;

import dev.tollgate.accounting.Direction;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Bytes;
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
 * systemd 252's IP firewall and IP accounting, rebuilt with our assembler for the datapath
 * benchmark: the same instructions, the same maps, attached the same way. Everything here
 * follows systemd's {@code src/core/bpf-firewall.c} (v252; the program has kept this shape
 * from v238 to today); each part names the function it follows.
 *
 * <ul>
 *   <li>Per unit and direction, one program: {@code bpf_firewall_compile_bpf()}. It loads
 *       {@code skb->protocol} once, then for each list that has entries of a family does
 *       {@code add_lookup_instructions()}: {@code skb_load_bytes} of the address and a lookup
 *       in that family's LPM trie for that list, ORing ACCESS_DENIED / ACCESS_ALLOWED into r8.
 *       The order is ipv4 deny, ipv6 deny, ipv4 allow, ipv6 allow. Then the verdict (drop only
 *       if r8 == ACCESS_DENIED), then accounting.</li>
 *   <li>Allow/deny maps: {@code bpf_firewall_prepare_access_maps()}: one LPM trie per family
 *       and list, only if the list has entries of that family; key {u32 prefixlen; u8 addr[]},
 *       value a u64 verdict. Slices get no access maps (leaves carry the rules of their
 *       slices).</li>
 *   <li>Accounting: {@code bpf_firewall_prepare_accounting_maps()}: per unit and direction a
 *       shared {@code BPF_MAP_TYPE_ARRAY} of two u64 (MAP_KEY_PACKETS, MAP_KEY_BYTES), each
 *       looked up separately and bumped with a locked add ({@code BPF_STX | BPF_XADD | BPF_DW}).</li>
 *   <li>A slice with IPAccounting=yes gets the same compiler's output with no access maps: an
 *       accounting-only program ({@code bpf_firewall_compile()} skips the access maps for
 *       {@code UNIT_SLICE}).</li>
 *   <li>{@code bpf_firewall_install()}: every program is attached with
 *       {@code BPF_F_ALLOW_MULTI} when the kernel supports it (as here), slices and leaves
 *       alike. So under three accounted slices a packet runs four programs per direction.</li>
 * </ul>
 */
public final class SystemdFirewallRebuild implements AutoCloseable {
    // enum { MAP_KEY_PACKETS, MAP_KEY_BYTES } and enum { ACCESS_ALLOWED = 1, ACCESS_DENIED = 2 }.
    static final int MAP_KEY_PACKETS = 0, MAP_KEY_BYTES = 1;
    static final int ACCESS_ALLOWED = 1, ACCESS_DENIED = 2;
    // offsetof(struct __sk_buff, len) and offsetof(struct __sk_buff, protocol).
    private static final int SKB_LEN = 0, SKB_PROTOCOL = 16;
    private static final int ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86DD;

    static final String IPV4_DENY = "ipv4_deny", IPV6_DENY = "ipv6_deny";
    static final String IPV4_ALLOW = "ipv4_allow", IPV6_ALLOW = "ipv6_allow";
    static final String ACCOUNTING = "accounting";

    /** Which access maps a unit has (a list with no entry of a family gets no map for it). */
    public record AccessMaps(boolean ipv4Deny, boolean ipv6Deny, boolean ipv4Allow, boolean ipv6Allow) {
        public static final AccessMaps NONE = new AccessMaps(false, false, false, false);

        boolean any() {
            return ipv4Deny || ipv6Deny || ipv4Allow || ipv6Allow;
        }
    }

    /** One program of the structure, for reading its run statistics. */
    public record Program(String cgroupLevel, Direction direction, BpfProgram program) {}

    private final List<BpfMap> maps = new ArrayList<>();
    private final List<BpfProgram> programs = new ArrayList<>();
    private final List<Attachment> attachments = new ArrayList<>();
    private final List<Program> installed = new ArrayList<>();
    private final Map<Direction, BpfMap> leafAccounting = new HashMap<>();

    private SystemdFirewallRebuild() {}

    /**
     * bpf_firewall_compile_bpf(u, prog_name, is_ingress, &prog, ip_allow_any=false, ip_deny_any=false):
     * the program for one direction of one unit (or, with {@link AccessMaps#NONE}, of a slice).
     */
    public static Instructions compile(boolean ingress, AccessMaps access, boolean accounting) {
        Assembler a = new Assembler()
                // pre_insn: skb in r6, skb->protocol cached in r7, verdict bits in r8.
                .mov(R6, R1)
                .ldxw(R7, R6, SKB_PROTOCOL)
                .mov32(R8, 0);
        if (access.any()) {
            if (access.ipv4Deny()) addLookupInstructions(a, IPV4_DENY, ETH_P_IP, ingress, ACCESS_DENIED);
            if (access.ipv6Deny()) addLookupInstructions(a, IPV6_DENY, ETH_P_IPV6, ingress, ACCESS_DENIED);
            if (access.ipv4Allow()) addLookupInstructions(a, IPV4_ALLOW, ETH_P_IP, ingress, ACCESS_ALLOWED);
            if (access.ipv6Allow()) addLookupInstructions(a, IPV6_ALLOW, ETH_P_IPV6, ingress, ACCESS_ALLOWED);
        }
        // post_insn: r0 = 1; if (r8 == ACCESS_DENIED) r0 = 0. Both bits set means pass.
        a.mov(R0, 1)
                .jne(R8, ACCESS_DENIED, "verdict_done")
                .mov(R0, 0)
                .label("verdict_done");
        if (accounting) {
            // A denied packet skips accounting.
            a.jeq(R0, 0, "exit")
                    // Count packets: lookup of key MAP_KEY_PACKETS, locked add of 1.
                    .mov(R0, MAP_KEY_PACKETS)
                    .stxw(R10, -4, R0)
                    .mov(R2, R10).add(R2, -4)
                    .ldMapFd(R1, ACCOUNTING)
                    .call(Helper.MAP_LOOKUP_ELEM)
                    .jeq(R0, 0, "count_bytes")
                    .mov(R1, 1)
                    .atomicAdd(Size.DW, R0, 0, R1)
                    // Count bytes: a second lookup, of key MAP_KEY_BYTES, locked add of skb->len.
                    .label("count_bytes")
                    .mov(R0, MAP_KEY_BYTES)
                    .stxw(R10, -4, R0)
                    .mov(R2, R10).add(R2, -4)
                    .ldMapFd(R1, ACCOUNTING)
                    .call(Helper.MAP_LOOKUP_ELEM)
                    .jeq(R0, 0, "counted")
                    .ldxw(R1, R6, SKB_LEN)
                    .atomicAdd(Size.DW, R0, 0, R1)
                    .label("counted")
                    .mov(R0, 1);
        }
        return a.label("exit").exit().assemble();
    }

    /**
     * add_lookup_instructions(): if the packet is of {@code protocol}, load the checked address
     * (ingress: source, egress: destination) onto the stack with skb_load_bytes, put the
     * prefix length (all bits) in front of it, look it up in the LPM trie, and on a match OR
     * {@code verdict} into r8. The helper's return value is not checked, as in systemd.
     */
    private static void addLookupInstructions(Assembler a, String map, int protocol, boolean ingress, int verdict) {
        int addrSize = protocol == ETH_P_IP ? 4 : 16;
        int addrOffset = protocol == ETH_P_IP
                ? (ingress ? 12 : 16)   // offsetof(struct iphdr, saddr / daddr)
                : (ingress ? 8 : 24);   // offsetof(struct ip6_hdr, ip6_src / ip6_dst)
        String skip = map + "_done";
        a.jne(R7, htobe16(protocol), skip)
                .mov(R1, R6)
                .mov32(R2, addrOffset)
                .mov(R3, R10).add(R3, -addrSize)
                .mov32(R4, addrSize)
                .call(Helper.SKB_LOAD_BYTES)
                .ldMapFd(R1, map)
                .mov(R2, R10).add(R2, -addrSize - 4)
                .stw(R2, 0, addrSize * 8)
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, skip)
                .or32(R8, verdict)
                .label(skip);
    }

    /** htobe16() as the 32-bit load of skb->protocol sees it on this host. */
    private static int htobe16(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes((short) v) & 0xffff : v;
    }

    /**
     * Builds and attaches the whole structure: the unit's programs (firewall {@code rules} and
     * accounting) on {@code leaf}, an accounting-only program on each of {@code accountedSlices}.
     * Nothing is left attached or open if it fails.
     */
    public static SystemdFirewallRebuild install(Path leaf, List<Path> accountedSlices, List<FirewallRules.Prefix> rules) {
        SystemdFirewallRebuild s = new SystemdFirewallRebuild();
        try {
            // Parents are realized before their children in systemd; the order of attachment
            // does not change what runs: the leaf's own programs first, then each ancestor's.
            for (int i = 0; i < accountedSlices.size(); i++) {
                Map<String, BpfMap> sliceMaps = new HashMap<>();
                for (Direction d : Direction.values()) {
                    sliceMaps.put(ACCOUNTING, s.accountingMap("sd_slice" + i + "_" + d.shortName().charAt(0)));
                    s.attach(accountedSlices.get(i), "slice" + (i + 1), d, AccessMaps.NONE, sliceMaps);
                }
            }
            Map<String, BpfMap> unitMaps = new HashMap<>();
            AccessMaps access = s.accessMaps(rules, unitMaps);
            for (Direction d : Direction.values()) {
                BpfMap acct = s.accountingMap("sd_unit_" + d.shortName().charAt(0));
                s.leafAccounting.put(d, acct);
                unitMaps.put(ACCOUNTING, acct);
                s.attach(leaf, "unit", d, access, unitMaps);
            }
            return s;
        } catch (RuntimeException e) {
            try {
                s.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** bpf_firewall_prepare_access_maps() for both lists: a trie per list and family that has entries. */
    private AccessMaps accessMaps(List<FirewallRules.Prefix> rules, Map<String, BpfMap> into) {
        boolean v4d = fillTrie(rules, false, true, IPV4_DENY, into);
        boolean v6d = fillTrie(rules, false, false, IPV6_DENY, into);
        boolean v4a = fillTrie(rules, true, true, IPV4_ALLOW, into);
        boolean v6a = fillTrie(rules, true, false, IPV6_ALLOW, into);
        return new AccessMaps(v4d, v6d, v4a, v6a);
    }

    private boolean fillTrie(List<FirewallRules.Prefix> rules, boolean allow, boolean ipv4, String name,
                             Map<String, BpfMap> into) {
        List<FirewallRules.Prefix> list = rules.stream().filter(p -> p.allow() == allow && p.ipv4() == ipv4).toList();
        if (list.isEmpty()) return false;
        int addrSize = ipv4 ? 4 : 16;
        // Sized to the entries, u64 value holding the verdict, BPF_F_NO_PREALLOC: as systemd creates it.
        BpfMap trie = keep(BpfMap.create(MapSpec.lpmTrie("sd_" + name, addrSize, 8, list.size())));
        for (FirewallRules.Prefix p : list) {
            byte[] key = new byte[4 + addrSize];
            System.arraycopy(Bytes.u32(p.length()), 0, key, 0, 4);
            System.arraycopy(p.address(), 0, key, 4, addrSize);
            trie.update(key, Bytes.u64(allow ? ACCESS_ALLOWED : ACCESS_DENIED));
        }
        into.put(name, trie);
        return true;
    }

    /** bpf_firewall_prepare_accounting_maps(): ARRAY, int keys, u64 values, 2 entries, not per-CPU. */
    private BpfMap accountingMap(String name) {
        return keep(BpfMap.create(MapSpec.of(MapType.ARRAY, name, 4, 8, 2)));
    }

    private void attach(Path cgroup, String level, Direction d, AccessMaps access, Map<String, BpfMap> maps) {
        // systemd names its programs sd_fw_ingress / sd_fw_egress.
        BpfProgram p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "sd_fw_" + d.shortName(), null,
                compile(d == Direction.INGRESS, access, true), maps));
        programs.add(p);
        try (CgroupHandle cg = CgroupHandle.open(cgroup)) {
            attachments.add(Attachment.attach(AttachMode.MULTI, cg, d.attachType, p));
        }
        installed.add(new Program(level, d, p));
    }

    private BpfMap keep(BpfMap m) {
        maps.add(m);
        return m;
    }

    /** The programs as attached: the unit's two, then each slice's two. */
    public List<Program> programs() {
        List<Program> unitFirst = new ArrayList<>();
        installed.stream().filter(p -> p.cgroupLevel().equals("unit")).forEach(unitFirst::add);
        installed.stream().filter(p -> !p.cgroupLevel().equals("unit")).forEach(unitFirst::add);
        return unitFirst;
    }

    /** The unit's packets counter for a direction (MAP_KEY_PACKETS), as systemd reads it. */
    public long unitPackets(Direction d) {
        return leafAccounting.get(d).lookup(Bytes.u32(MAP_KEY_PACKETS)).map(v -> Bytes.u64(v, 0)).orElse(-1L);
    }

    /**
     * Checks the rebuild's verdicts and counting with BPF_PROG_TEST_RUN on crafted packets (no
     * attachment): allow wins, deny drops, the rest passes, ingress checks the source and egress
     * the destination, non-IP passes, and only passed packets are counted. Returns the
     * disagreements (empty when it behaves as systemd's programs do) and how many cases ran.
     */
    public static Check verify(List<FirewallRules.Prefix> rules) {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        record Case(String address, boolean pass) {}
        List<Case> all = List.of(new Case("127.0.0.1", true), new Case("127.0.0.2", true), new Case("8.8.8.8", true),
                new Case("10.1.2.3", false), new Case("192.168.7.1", false), new Case("172.20.0.1", false),
                new Case("172.32.0.1", true), new Case("::1", true), new Case("fe80::1", false),
                new Case("fec0::1", true));
        for (Direction d : Direction.values()) {
            SystemdFirewallRebuild s = new SystemdFirewallRebuild();
            try {
                Map<String, BpfMap> maps = new HashMap<>();
                AccessMaps access = s.accessMaps(rules, maps);
                BpfMap acct = s.accountingMap("sd_check");
                maps.put(ACCOUNTING, acct);
                try (BpfProgram p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "sd_fw_check", null,
                        compile(d == Direction.INGRESS, access, true), maps))) {
                    long passed = 0;
                    for (Case c : all) {
                        byte[] checked = literal(c.address());
                        byte[] other = checked.length == 4 ? literal("127.0.0.1") : literal("::1");
                        byte[] src = d == Direction.INGRESS ? checked : other;
                        byte[] dst = d == Direction.INGRESS ? other : checked;
                        byte[] frame = checked.length == 4 ? dev.tollgate.testkit.Packets.ipv4Udp(src, dst, 10)
                                : dev.tollgate.testkit.Packets.ipv6Udp(src, dst, 10);
                        int verdict = p.testRun(dev.tollgate.bpf.TestRun.of(frame)).returnValue();
                        cases++;
                        if (verdict != (c.pass() ? 1 : 0))
                            failures.add(d.shortName() + " " + c.address() + ": verdict " + verdict + ", expected " + (c.pass() ? 1 : 0));
                        if (c.pass()) passed++;
                    }
                    int arp = p.testRun(dev.tollgate.bpf.TestRun.of(dev.tollgate.testkit.Packets.arp())).returnValue();
                    cases++;
                    passed++;
                    if (arp != 1) failures.add(d.shortName() + " arp: verdict " + arp + ", expected 1");
                    long counted = acct.lookup(Bytes.u32(MAP_KEY_PACKETS)).map(v -> Bytes.u64(v, 0)).orElse(-1L);
                    cases++;
                    if (counted != passed)
                        failures.add(d.shortName() + ": counted " + counted + " packets, " + passed + " passed");
                }
            } finally {
                s.close();
            }
        }
        return new Check(cases, failures);
    }

    /** The outcome of {@link #verify}. */
    public record Check(int cases, List<String> failures) {}

    private static byte[] literal(String address) {
        try {
            return java.net.InetAddress.getByName(address).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    /** Detaches every program, then closes programs and maps. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (Attachment a : attachments.reversed()) {
            try {
                a.detach();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
            a.close();
        }
        attachments.clear();
        programs.forEach(BpfProgram::close);
        programs.clear();
        maps.forEach(BpfMap::close);
        maps.clear();
        if (first != null) throw first;
    }
}
