package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The units' policy tries, one per distinct address list, held by every unit whose list it is:
 * a trie is never written once made (a unit whose list changes gets another trie), so units of
 * one list can all pin and reference the same one. A thousand units of one policy make one trie
 * and fill it once, where each made its own before (its creation was ~9 % of a unit start's
 * CPU on our side). The trie is named after the unit that made it ({@code tgp_UNIT}); each unit
 * pins it under its own directory. Reference counted by the units that hold it: closed when the
 * last lets go, after which the kernel frees it once no pin or program refers to it.
 */
final class SharedTries implements AutoCloseable {
    private final Map<List<PolicyTrie.Entry>, Entry> tries = new HashMap<>();
    private boolean closed; // the daemon let go of its descriptors: a unit closing after it has nothing to release

    private static final class Entry {
        final BpfMap trie;
        int users;

        Entry(BpfMap trie) {
            this.trie = trie;
        }
    }

    /**
     * The trie of {@code rules}, made (named {@code name}) if no unit holds one; held until
     * {@link #release}d. The caller must not close it.
     */
    synchronized BpfMap acquire(List<PolicyTrie.Entry> rules, String name) {
        if (closed) throw new IllegalStateException("the daemon's policy tries are closed");
        Entry e = tries.get(rules);
        if (e == null) {
            e = new Entry(PolicyTrie.create(name, rules));
            tries.put(List.copyOf(rules), e);
        }
        e.users++;
        return e.trie;
    }

    /** Lets go of one hold on the trie of {@code rules}. */
    synchronized void release(List<PolicyTrie.Entry> rules) {
        if (closed) return;
        Entry e = tries.get(rules);
        if (e == null) throw new IllegalStateException("no unit holds a trie of " + rules);
        if (--e.users == 0) {
            tries.remove(rules);
            e.trie.close();
        }
    }

    /** Distinct tries held now (for tests). */
    synchronized int size() {
        return tries.size();
    }

    @Override
    public synchronized void close() {
        for (Entry e : tries.values()) e.trie.close();
        tries.clear();
        closed = true;
    }
}
