package dev.tollgate.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.ObjectIds;
import dev.tollgate.testkit.Privileged;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One trie per distinct list, made on the first hold and closed with the last; nothing to release once closed. */
@Privileged
class SharedTriesTest {
    private static final List<PolicyTrie.Entry> A = Prefixes.rules(List.of(), List.of("10.1.0.0/16"));
    private static final List<PolicyTrie.Entry> B = Prefixes.rules(List.of("127.0.0.1"), List.of("0.0.0.0/0"));

    @Test
    void holdersOfOneListShareItsTrieUntilTheLastLetsGo() {
        try (SharedTries tries = new SharedTries()) {
            BpfMap a1 = tries.acquire(A, "tgp_sharedtest");
            BpfMap a2 = tries.acquire(Prefixes.rules(List.of(), List.of("10.1.0.0/16")), "tgp_sharedtest2");
            BpfMap b = tries.acquire(B, "tgp_sharedtest3");
            assertThat(a2).isSameAs(a1);
            assertThat(b.id()).isNotEqualTo(a1.id());
            assertThat(tries.size()).isEqualTo(2);
            int aId = a1.id();
            tries.release(A);
            assertThat(ObjectIds.maps()).contains(aId);
            tries.release(A);
            assertThat(tries.size()).isEqualTo(1);
            assertThat(ObjectIds.maps()).doesNotContain(aId); // no pin or program held it: freed with our descriptor
            assertThatThrownBy(() -> tries.release(A)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aUnitLettingGoAfterTheDaemonClosedItsTriesIsNoError() {
        SharedTries tries = new SharedTries();
        BpfMap a = tries.acquire(A, "tgp_sharedtest4");
        int id = a.id();
        tries.close();
        assertThat(ObjectIds.maps()).doesNotContain(id);
        tries.release(A);
        assertThatThrownBy(() -> tries.acquire(A, "tgp_sharedtest5")).isInstanceOf(IllegalStateException.class);
    }
}
