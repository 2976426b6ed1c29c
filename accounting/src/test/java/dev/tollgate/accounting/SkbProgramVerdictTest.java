package dev.tollgate.accounting;

import static dev.tollgate.accounting.Prefixes.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.TestRun;
import dev.tollgate.testkit.Packets;
import dev.tollgate.testkit.Privileged;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Verdicts and counters of the unit program on crafted packets (BPF_PROG_TEST_RUN, real maps). */
@Privileged
class SkbProgramVerdictTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private BpfMap unit;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    /** Whether programs read addresses directly from the packet or through bpf_skb_load_bytes. */
    private boolean direct = true;
    /** Whether the list is compiled into the program or looked up in the trie. */
    private boolean compiled = true;

    /** Every combination of address read and firewall form: each verdict table holds for all four. */
    static Stream<Arguments> forms() {
        return Stream.of(Arguments.of(true, true), Arguments.of(true, false), Arguments.of(false, true), Arguments.of(false, false));
    }

    private void form(boolean directRead, boolean compiledList) {
        direct = directRead;
        compiled = compiledList;
    }

    private BpfProgram program(Direction d, List<String> allow, List<String> deny) {
        return program(d, Prefixes.rules(allow, deny));
    }

    private BpfProgram program(Direction d, List<PolicyTrie.Entry> rules) {
        unit = keep(SliceCounters.counterMap("tgc_test"));
        Map<String, BpfMap> maps = new HashMap<>();
        maps.put(SkbProgram.UNIT_MAP, unit);
        SkbProgram.Shape shape;
        if (rules.isEmpty()) {
            shape = SkbProgram.Shape.accounting(d);
        } else if (compiled) {
            shape = new SkbProgram.Shape(d, new SkbProgram.Firewall.Compiled(rules), direct);
        } else {
            maps.put(SkbProgram.POLICY_MAP, keep(PolicyTrie.create("tgp_test", rules)));
            shape = SkbProgram.Shape.trie(d).withDirectRead(direct);
        }
        return keep(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_test", null,
                SkbProgram.build(shape), maps).withLogLevel(1)));
    }

    private static boolean passes(BpfProgram p, byte[] frame) {
        int r = p.testRun(TestRun.of(frame)).returnValue();
        assertThat(r).isIn(0, 1);
        return r == 1;
    }

    private static byte[] v4(String src, String dst, int payload) {
        return Packets.ipv4Udp(ip(src), ip(dst), payload);
    }

    private static byte[] v6(String src, String dst, int payload) {
        return Packets.ipv6Udp(ip(src), ip(dst), payload);
    }

    @ParameterizedTest(name = "direct read {0}, compiled {1}")
    @MethodSource("forms")
    void allowWinsWhateverThePrefixLengths(boolean directRead, boolean compiledList) {
        form(directRead, compiledList);
        BpfProgram p = program(Direction.EGRESS, List.of("127.0.0.0/8"), List.of("127.0.0.1"));
        assertThat(passes(p, v4("10.0.0.1", "127.0.0.1", 10))).isTrue();
        BpfProgram q = program(Direction.EGRESS, List.of("127.0.0.1"), List.of("127.0.0.0/8"));
        assertThat(passes(q, v4("10.0.0.1", "127.0.0.1", 10))).isTrue();
        assertThat(passes(q, v4("10.0.0.1", "127.0.0.2", 10))).isFalse();
        assertThat(passes(q, v4("10.0.0.1", "10.1.1.1", 10))).isTrue();
    }

    @ParameterizedTest(name = "direct read {0}, compiled {1}")
    @MethodSource("forms")
    void denyAnyAllowLocalhostTableForBothDirectionsAndFamilies(boolean directRead, boolean compiledList) {
        form(directRead, compiledList);
        List<String> allow = List.of("127.0.0.1/32");
        List<String> deny = List.of("0.0.0.0/0", "::/0");
        BpfProgram egress = program(Direction.EGRESS, allow, deny);
        // Egress checks the destination.
        assertThat(passes(egress, v4("127.0.0.2", "127.0.0.1", 10))).isTrue();
        assertThat(passes(egress, v4("127.0.0.1", "127.0.0.2", 10))).isFalse();
        assertThat(passes(egress, v6("::1", "::1", 10))).isFalse();
        assertThat(passes(egress, Packets.arp())).as("non-IP passes").isTrue();
        BpfProgram ingress = program(Direction.INGRESS, allow, deny);
        // Ingress checks the source.
        assertThat(passes(ingress, v4("127.0.0.1", "127.0.0.2", 10))).isTrue();
        assertThat(passes(ingress, v4("127.0.0.2", "127.0.0.1", 10))).isFalse();
        assertThat(passes(ingress, Packets.arp())).isTrue();
    }

    @ParameterizedTest(name = "direct read {0}, compiled {1}")
    @MethodSource("forms")
    void familiesAreSeparate(boolean directRead, boolean compiledList) {
        form(directRead, compiledList);
        // Denying all of IPv4 says nothing about IPv6, and the reverse.
        BpfProgram p = program(Direction.EGRESS, List.of(), List.of("0.0.0.0/0"));
        assertThat(passes(p, v6("::1", "::1", 10))).isTrue();
        assertThat(passes(p, v6("::1", "::ffff:127.0.0.1", 10))).isTrue();
        assertThat(passes(p, v4("127.0.0.1", "127.0.0.1", 10))).isFalse();
        BpfProgram q = program(Direction.EGRESS, List.of(), List.of("::/0"));
        assertThat(passes(q, v4("127.0.0.1", "127.0.0.1", 10))).isTrue();
        assertThat(passes(q, v6("::1", "2001:db8::1", 10))).isFalse();
    }

    @ParameterizedTest(name = "direct read {0}, compiled {1}")
    @MethodSource("forms")
    void ipv6PrefixesAndOverlaps(boolean directRead, boolean compiledList) {
        form(directRead, compiledList);
        BpfProgram p = program(Direction.EGRESS, List.of("2001:db8:1::/48", "::1"), List.of("2001:db8::/32", "fe80::/64"));
        assertThat(passes(p, v6("::1", "2001:db8:1:2::3", 10))).isTrue();
        assertThat(passes(p, v6("::1", "2001:db8:2::3", 10))).isFalse();
        assertThat(passes(p, v6("::1", "fe80::1", 10))).isFalse();
        assertThat(passes(p, v6("::1", "fe80:0:0:1::1", 10))).isTrue();
        assertThat(passes(p, v6("::1", "::1", 10))).isTrue();
    }

    @ParameterizedTest(name = "direct read {0}, compiled {1}")
    @MethodSource("forms")
    void countsPassedAndDroppedIntoTheUnit(boolean directRead, boolean compiledList) {
        form(directRead, compiledList);
        BpfProgram p = program(Direction.EGRESS, List.of(), List.of("127.0.0.2"));
        for (int i = 0; i < 3; i++) assertThat(passes(p, v4("127.0.0.1", "127.0.0.1", 100))).isTrue();
        for (int i = 0; i < 2; i++) assertThat(passes(p, v6("::1", "::1", 100))).isTrue();
        for (int i = 0; i < 4; i++) assertThat(passes(p, v4("127.0.0.1", "127.0.0.2", 50))).isFalse();
        CounterSums u = SliceCounters.read(unit);
        assertThat(u).isEqualTo(new CounterSums(0, 0, 5, 3 * 128 + 2 * 148, 0, 0, 4, 4 * 78));
    }

    private BpfProgram interfaceProgram(Direction d, List<String> deny, InterfaceRule... rules) {
        unit = keep(SliceCounters.counterMap("tgc_test"));
        SkbProgram.Shape shape = SkbProgram.Shape.of(d, Prefixes.rules(List.of(), deny), List.of(rules)).withDirectRead(direct);
        return keep(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_test", null,
                SkbProgram.build(shape), Map.of(SkbProgram.UNIT_MAP, unit)).withLogLevel(1)));
    }

    /**
     * RestrictNetworkInterfaces= on skb->ifindex; a test run's packet comes from loopback
     * (ifindex 1 in every network namespace). Each level must pass; drops are counted.
     */
    @Test
    void interfaceRulesCheckTheIfindexAtEveryLevel() {
        byte[] frame = v4("127.0.0.1", "127.0.0.1", 100);
        for (Direction d : Direction.values()) {
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(true, List.of(1))), frame)).isTrue();
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(true, List.of(7, 1, 3))), frame)).isTrue();
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(true, List.of(2))), frame)).isFalse();
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(false, List.of(1))), frame)).isFalse();
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(false, List.of(2, 3))), frame)).isTrue();
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(false, List.of())), frame)).isTrue();
            // An allow list whose names all failed to resolve drops everything, also non-IP.
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(true, List.of())), frame)).isFalse();
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(true, List.of())), Packets.arp())).isFalse();
            // Two levels (the unit's and a slice's): both must let it through.
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(true, List.of(1)), new InterfaceRule(false, List.of(1))), frame)).isFalse();
            assertThat(passes(interfaceProgram(d, List.of(), new InterfaceRule(true, List.of(1)), new InterfaceRule(false, List.of(4))), frame)).isTrue();
            // With an address list: the interface passes, the address still decides.
            assertThat(passes(interfaceProgram(d, List.of("127.0.0.1"), new InterfaceRule(true, List.of(1))), frame)).isFalse();
            assertThat(passes(interfaceProgram(d, List.of("10.0.0.1"), new InterfaceRule(true, List.of(1))), frame)).isTrue();
        }
        BpfProgram p = interfaceProgram(Direction.EGRESS, List.of(), new InterfaceRule(false, List.of(1)));
        for (int i = 0; i < 3; i++) assertThat(passes(p, frame)).isFalse();
        assertThat(passes(p, Packets.arp())).isFalse();
        CounterSums u = SliceCounters.read(unit);
        assertThat(u.egressDroppedPackets()).isEqualTo(4);
        assertThat(u.egressPackets()).isZero();
    }

    /**
     * The compiled form and the trie decide alike: random lists of up to {@link SkbProgram#COMPILED_MAX}
     * prefixes of both families and both kinds (nested and overlapping, lengths 0..32 and 0..128),
     * random addresses near them, both directions. Fixed seed, printed.
     */
    @Test
    void compiledListsDecideAsTheTrieDoes() {
        long seed = 0x7011_6a7eL;
        System.out.println("compiledListsDecideAsTheTrieDoes seed " + seed);
        java.util.Random rnd = new java.util.Random(seed);
        for (int round = 0; round < 12; round++) {
            List<PolicyTrie.Entry> rules = new ArrayList<>();
            int n = 1 + rnd.nextInt(SkbProgram.COMPILED_MAX);
            for (int i = 0; i < n; i++) {
                boolean v6 = rnd.nextInt(3) == 0;
                byte[] a = base(rnd, v6);
                int len = rnd.nextInt(8) == 0 ? 0 : (v6 ? 8 + rnd.nextInt(121) : 4 + rnd.nextInt(29));
                rules.add(new PolicyTrie.Entry(masked(a, len), len, rnd.nextBoolean() ? PolicyTrie.ALLOW : PolicyTrie.DENY));
            }
            for (Direction d : Direction.values()) {
                direct = rnd.nextBoolean();
                compiled = true;
                BpfProgram c = program(d, rules);
                compiled = false;
                BpfProgram t = program(d, rules);
                for (int k = 0; k < 40; k++) {
                    boolean v6 = rnd.nextInt(3) == 0;
                    byte[] addr = base(rnd, v6);
                    byte[] other = base(rnd, v6);
                    byte[] frame = v6 ? Packets.ipv6Udp(d == Direction.EGRESS ? other : addr, d == Direction.EGRESS ? addr : other, 10)
                            : Packets.ipv4Udp(d == Direction.EGRESS ? other : addr, d == Direction.EGRESS ? addr : other, 10);
                    assertThat(passes(c, frame)).as("round %d %s rules %s address %s", round, d, rules,
                            java.util.HexFormat.of().formatHex(addr)).isEqualTo(passes(t, frame));
                }
            }
        }
    }

    /** Addresses from a small pool of neighbourhoods, so that rules and packets often meet. */
    private static byte[] base(java.util.Random rnd, boolean v6) {
        byte[] a = new byte[v6 ? 16 : 4];
        rnd.nextBytes(a);
        a[0] = (byte) (v6 ? 0x20 : 10 + rnd.nextInt(2));
        if (rnd.nextBoolean()) a[1] = 0;
        if (v6 && rnd.nextBoolean()) java.util.Arrays.fill(a, 2, 12, (byte) 0);
        return a;
    }

    private static byte[] masked(byte[] a, int len) {
        byte[] m = a.clone();
        for (int bit = len; bit < m.length * 8; bit++) m[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        return m;
    }

    @Test
    void accountingOnlyIngressCountsEverything() {
        BpfProgram p = program(Direction.INGRESS, List.of(), List.of());
        assertThat(passes(p, v4("1.2.3.4", "127.0.0.1", 1400))).isTrue();
        assertThat(passes(p, Packets.arp())).isTrue();
        assertThat(SliceCounters.read(unit).ingressPackets()).isEqualTo(2);
        assertThat(SliceCounters.read(unit).ingressBytes()).isEqualTo(1428 + 28);
    }
}
