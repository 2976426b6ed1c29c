package dev.tollgate.units.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IpAddressListTest {

    private static IpPrefix p(String s) {
        return IpPrefix.parse(s).orElseThrow();
    }

    /** SEMANTICS.md: entries covered by a shorter prefix in the same list are dropped. */
    @Test
    void reducesCoveredEntries() {
        IpAddressList l = IpAddressList.of(p("10.0.0.0/8"), p("10.1.0.0/16"), p("10.1.2.3"), p("192.168.1.1"), p("::1"), p("::/0"));
        assertThat(l.entries()).containsExactly(p("10.0.0.0/8"), p("192.168.1.1"), p("::/0"));
    }

    @Test
    void allowWinsIsNotThisListsBusinessButDuplicatesCollapse() {
        assertThat(IpAddressList.of(p("127.0.0.1"), p("127.0.0.1/32"), p("127.0.0.1")).entries()).containsExactly(p("127.0.0.1"));
    }

    @Test
    void comparesByContentNotSpelling() {
        IpAddressList a = IpAddressList.of(p("10.0.3.2/24"), p("::1"), p("10.0.3.9"));
        IpAddressList b = IpAddressList.of(p("::1/128"), p("10.0.3.0/24"));
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).isEqualTo("10.0.3.0/24 ::1/128");
    }

    @Test
    void anyAndUnion() {
        IpAddressList any = IpAddressList.of(IpPrefix.any(IpFamily.IPV4), IpPrefix.any(IpFamily.IPV6));
        assertThat(any.isAny()).isTrue();
        assertThat(IpAddressList.of(p("10.0.0.1")).union(any)).isEqualTo(any);
        assertThat(IpAddressList.EMPTY.isAny()).isFalse();
        assertThat(any.matches(new byte[] {1, 2, 3, 4})).isTrue();
    }

    /**
     * Property (exhaustive over a small space): for random lists of IPv4 prefixes inside
     * 10.0.0.0/24, the reduced list matches exactly the addresses the input matched (checked
     * for all 256 addresses and one outside), no entry covers another, every entry came from the
     * input, reducing again changes nothing, and input order does not matter.
     */
    @Test
    void reductionInvariantsExhaustive() {
        Random rnd = new Random(0x1AD_D2E55L);
        for (int iter = 0; iter < 3000; iter++) {
            List<IpPrefix> input = new ArrayList<>();
            int n = rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                byte[] a = {10, 0, 0, (byte) rnd.nextInt(256)};
                int len = rnd.nextInt(10) == 0 ? 8 + rnd.nextInt(16) : 24 + rnd.nextInt(9);
                input.add(IpPrefix.of(a, len));
            }
            IpAddressList reduced = IpAddressList.of(input);
            for (int last = 0; last < 256; last++) {
                byte[] addr = {10, 0, 0, (byte) last};
                assertThat(reduced.matches(addr)).as("%s of %s", last, input).isEqualTo(anyCovers(input, addr));
            }
            byte[] outside = {10, 0, 1, 0};
            assertThat(reduced.matches(outside)).isEqualTo(anyCovers(input, outside));
            checkStructure(input, reduced, rnd);
        }
    }

    /** Property (sampled): the same invariants for mixed IPv4/IPv6 lists of any length. */
    @Test
    void reductionInvariantsSampled() {
        Random rnd = new Random(0xB16_1157L);
        for (int iter = 0; iter < 3000; iter++) {
            List<IpPrefix> input = new ArrayList<>();
            int n = rnd.nextInt(16);
            for (int i = 0; i < n; i++) {
                boolean v6 = rnd.nextBoolean();
                byte[] a = new byte[v6 ? 16 : 4];
                rnd.nextBytes(a);
                a[0] = (byte) (v6 ? 0x20 : 10); // share a first byte so entries overlap
                if (rnd.nextBoolean()) {
                    a[1] = 0;
                }
                int bits = a.length * 8;
                int len = rnd.nextInt(20) == 0 ? 0 : rnd.nextInt(bits + 1);
                input.add(IpPrefix.of(a, len));
            }
            IpAddressList reduced = IpAddressList.of(input);
            List<byte[]> probes = new ArrayList<>();
            for (IpPrefix in : input) {
                byte[] a = in.address();
                probes.add(a);
                byte[] noisy = a.clone();
                noisy[noisy.length - 1] ^= (byte) (1 + rnd.nextInt(255));
                probes.add(noisy);
            }
            for (int k = 0; k < 20; k++) {
                byte[] r = new byte[rnd.nextBoolean() ? 4 : 16];
                rnd.nextBytes(r);
                probes.add(r);
            }
            for (byte[] a : probes) {
                assertThat(reduced.matches(a)).isEqualTo(anyCovers(input, a));
            }
            checkStructure(input, reduced, rnd);
        }
    }

    private static void checkStructure(List<IpPrefix> input, IpAddressList reduced, Random rnd) {
        Set<IpPrefix> canonicalInput = new HashSet<>(input);
        for (IpPrefix e : reduced.entries()) {
            assertThat(canonicalInput).contains(e);
            for (IpPrefix o : reduced.entries()) {
                if (!o.equals(e)) {
                    assertThat(o.covers(e)).as("%s covers %s in %s", o, e, reduced).isFalse();
                }
            }
        }
        assertThat(IpAddressList.of(reduced.entries())).isEqualTo(reduced);
        List<IpPrefix> shuffled = new ArrayList<>(input);
        Collections.shuffle(shuffled, rnd);
        assertThat(IpAddressList.of(shuffled)).isEqualTo(reduced);
        assertThat(reduced.entries()).isSorted();
    }

    private static boolean anyCovers(List<IpPrefix> input, byte[] addr) {
        for (IpPrefix p : input) {
            if (p.contains(addr)) {
                return true;
            }
        }
        return false;
    }
}
