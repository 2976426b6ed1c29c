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
import org.junit.jupiter.params.provider.ValueSource;

/** Verdicts and counters of the unit program on crafted packets (BPF_PROG_TEST_RUN, real maps). */
@Privileged
class SkbProgramVerdictTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private BpfMap unit;
    private final List<BpfMap> slices = new ArrayList<>();

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

    private BpfProgram program(Direction d, List<String> allow, List<String> deny, int accountedSlices) {
        unit = keep(SliceCounters.counterMap("tgc_test"));
        Map<String, BpfMap> maps = new HashMap<>();
        maps.put(SkbProgram.UNIT_MAP, unit);
        boolean firewall = !allow.isEmpty() || !deny.isEmpty();
        if (firewall) {
            maps.put(SkbProgram.POLICY_MAP, keep(PolicyTrie.create("tgp_test", Prefixes.rules(allow, deny))));
        }
        for (int i = 0; i < accountedSlices; i++) {
            BpfMap s = keep(SliceCounters.counterMap("tgs_test" + i));
            slices.add(s);
            maps.put(SkbProgram.sliceMap(i), s);
        }
        SkbProgram.Shape shape = new SkbProgram.Shape(d, firewall, accountedSlices, direct);
        return keep(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_test", null,
                SkbProgram.build(shape), maps)));
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

    @ParameterizedTest(name = "direct read {0}")
    @ValueSource(booleans = {true, false})
    void allowWinsWhateverThePrefixLengths(boolean directRead) {
        direct = directRead;
        BpfProgram p = program(Direction.EGRESS, List.of("127.0.0.0/8"), List.of("127.0.0.1"), 0);
        assertThat(passes(p, v4("10.0.0.1", "127.0.0.1", 10))).isTrue();
        BpfProgram q = program(Direction.EGRESS, List.of("127.0.0.1"), List.of("127.0.0.0/8"), 0);
        assertThat(passes(q, v4("10.0.0.1", "127.0.0.1", 10))).isTrue();
        assertThat(passes(q, v4("10.0.0.1", "127.0.0.2", 10))).isFalse();
        assertThat(passes(q, v4("10.0.0.1", "10.1.1.1", 10))).isTrue();
    }

    @ParameterizedTest(name = "direct read {0}")
    @ValueSource(booleans = {true, false})
    void denyAnyAllowLocalhostTableForBothDirectionsAndFamilies(boolean directRead) {
        direct = directRead;
        List<String> allow = List.of("127.0.0.1/32");
        List<String> deny = List.of("0.0.0.0/0", "::/0");
        BpfProgram egress = program(Direction.EGRESS, allow, deny, 0);
        // Egress checks the destination.
        assertThat(passes(egress, v4("127.0.0.2", "127.0.0.1", 10))).isTrue();
        assertThat(passes(egress, v4("127.0.0.1", "127.0.0.2", 10))).isFalse();
        assertThat(passes(egress, v6("::1", "::1", 10))).isFalse();
        assertThat(passes(egress, Packets.arp())).as("non-IP passes").isTrue();
        BpfProgram ingress = program(Direction.INGRESS, allow, deny, 0);
        // Ingress checks the source.
        assertThat(passes(ingress, v4("127.0.0.1", "127.0.0.2", 10))).isTrue();
        assertThat(passes(ingress, v4("127.0.0.2", "127.0.0.1", 10))).isFalse();
        assertThat(passes(ingress, Packets.arp())).isTrue();
    }

    @ParameterizedTest(name = "direct read {0}")
    @ValueSource(booleans = {true, false})
    void familiesAreSeparate(boolean directRead) {
        direct = directRead;
        // Denying all of IPv4 says nothing about IPv6, and the reverse.
        BpfProgram p = program(Direction.EGRESS, List.of(), List.of("0.0.0.0/0"), 0);
        assertThat(passes(p, v6("::1", "::1", 10))).isTrue();
        assertThat(passes(p, v6("::1", "::ffff:127.0.0.1", 10))).isTrue();
        assertThat(passes(p, v4("127.0.0.1", "127.0.0.1", 10))).isFalse();
        BpfProgram q = program(Direction.EGRESS, List.of(), List.of("::/0"), 0);
        assertThat(passes(q, v4("127.0.0.1", "127.0.0.1", 10))).isTrue();
        assertThat(passes(q, v6("::1", "2001:db8::1", 10))).isFalse();
    }

    @ParameterizedTest(name = "direct read {0}")
    @ValueSource(booleans = {true, false})
    void ipv6PrefixesAndOverlaps(boolean directRead) {
        direct = directRead;
        BpfProgram p = program(Direction.EGRESS, List.of("2001:db8:1::/48", "::1"), List.of("2001:db8::/32", "fe80::/64"), 0);
        assertThat(passes(p, v6("::1", "2001:db8:1:2::3", 10))).isTrue();
        assertThat(passes(p, v6("::1", "2001:db8:2::3", 10))).isFalse();
        assertThat(passes(p, v6("::1", "fe80::1", 10))).isFalse();
        assertThat(passes(p, v6("::1", "fe80:0:0:1::1", 10))).isTrue();
        assertThat(passes(p, v6("::1", "::1", 10))).isTrue();
    }

    @ParameterizedTest(name = "direct read {0}")
    @ValueSource(booleans = {true, false})
    void countsPassedIntoUnitAndSlicesAndDroppedIntoUnitOnly(boolean directRead) {
        direct = directRead;
        BpfProgram p = program(Direction.EGRESS, List.of(), List.of("127.0.0.2"), 2);
        for (int i = 0; i < 3; i++) assertThat(passes(p, v4("127.0.0.1", "127.0.0.1", 100))).isTrue();
        for (int i = 0; i < 2; i++) assertThat(passes(p, v6("::1", "::1", 100))).isTrue();
        for (int i = 0; i < 4; i++) assertThat(passes(p, v4("127.0.0.1", "127.0.0.2", 50))).isFalse();
        Counters u = SliceCounters.read(unit);
        assertThat(u).isEqualTo(new Counters(0, 0, 5, 3 * 128 + 2 * 148, 0, 0, 4, 4 * 78));
        for (BpfMap s : slices) {
            assertThat(SliceCounters.read(s)).isEqualTo(new Counters(0, 0, 5, 3 * 128 + 2 * 148, 0, 0, 0, 0));
        }
    }

    @Test
    void accountingOnlyIngressCountsEverything() {
        BpfProgram p = program(Direction.INGRESS, List.of(), List.of(), 0);
        assertThat(passes(p, v4("1.2.3.4", "127.0.0.1", 1400))).isTrue();
        assertThat(passes(p, Packets.arp())).isTrue();
        assertThat(SliceCounters.read(unit).ingressPackets()).isEqualTo(2);
        assertThat(SliceCounters.read(unit).ingressBytes()).isEqualTo(1428 + 28);
    }
}
