package dev.tollgate.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PolicyTrieTest {

    @Test
    void closureWidensFlagsToEverythingThatContainsAnEntry() {
        List<PolicyTrie.Entry> closed = PolicyTrie.closure(Prefixes.rules(List.of("127.0.0.0/8"), List.of("127.0.0.1", "10.0.0.0/8")));
        assertThat(closed).hasSize(3);
        assertThat(flags(closed, "127.0.0.1/32")).isEqualTo(PolicyTrie.ALLOW | PolicyTrie.DENY);
        assertThat(flags(closed, "127.0.0.0/8")).isEqualTo(PolicyTrie.ALLOW);
        assertThat(flags(closed, "10.0.0.0/8")).isEqualTo(PolicyTrie.DENY);
    }

    @Test
    void sameKeyInBothListsIsOneEntryWithBothFlags() {
        List<PolicyTrie.Entry> closed = PolicyTrie.closure(Prefixes.rules(List.of("::1"), List.of("::1")));
        assertThat(closed).hasSize(1);
        assertThat(closed.getFirst().flags()).isEqualTo(PolicyTrie.ALLOW | PolicyTrie.DENY);
    }

    /** The longest match's flags equal the union over all matching entries: the property the program relies on. */
    @Test
    void longestMatchCarriesEveryMatchingEntrysFlags() {
        Random r = new Random(42);
        for (int round = 0; round < 300; round++) {
            List<PolicyTrie.Entry> entries = new java.util.ArrayList<>();
            for (int i = 0; i < 1 + r.nextInt(8); i++) {
                int len = r.nextInt(33);
                int addr = len == 0 ? 0 : (r.nextInt(4) << 30 | r.nextInt(1 << 8)) & (int) (0xffffffffL << (32 - len));
                entries.add(new PolicyTrie.Entry(bytes(addr), len, 1 + r.nextInt(2)));
            }
            List<PolicyTrie.Entry> closed = PolicyTrie.closure(entries);
            for (int probe = 0; probe < 50; probe++) {
                int a = r.nextInt(4) << 30 | r.nextInt(1 << 8);
                PolicyTrie.Entry host = new PolicyTrie.Entry(bytes(a), 32, 0);
                int expected = 0;
                for (PolicyTrie.Entry e : entries) if (e.contains(host)) expected |= e.flags();
                PolicyTrie.Entry longest = null;
                for (PolicyTrie.Entry e : closed)
                    if (e.contains(host) && (longest == null || e.prefixLength() > longest.prefixLength())) longest = e;
                assertThat(longest == null ? 0 : longest.flags()).isEqualTo(expected);
            }
        }
    }

    @Test
    void entriesCompareByContentSoAnUnchangedReloadSwapsNothing() {
        assertThat(Prefixes.rules(List.of("10.0.0.0/8"), List.of("::1")))
                .isEqualTo(Prefixes.rules(List.of("10.0.0.0/8"), List.of("::1")))
                .isNotEqualTo(Prefixes.rules(List.of("10.0.0.0/8"), List.of("::2")));
        assertThat(Prefixes.entry("10.0.0.0/8", 1).hashCode()).isEqualTo(Prefixes.entry("10.0.0.0/8", 1).hashCode());
    }

    private static byte[] bytes(int a) {
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    private static int flags(List<PolicyTrie.Entry> closed, String cidr) {
        PolicyTrie.Entry want = Prefixes.entry(cidr, 0);
        return closed.stream().filter(e -> e.sameKey(want)).findFirst().orElseThrow().flags();
    }
}
