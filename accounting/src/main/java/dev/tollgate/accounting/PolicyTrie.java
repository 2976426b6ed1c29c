package dev.tollgate.accounting;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.Bytes;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A unit's effective allow and deny lists as one LPM trie over both families.
 *
 * <p>Key: {u32 prefixlen; u8 family; u8 address[16]}, the family byte keeping IPv4 and IPv6
 * apart in one tree (prefixlen counts it: 8 + the prefix length). Value: flags
 * {@link #ALLOW} and {@link #DENY}. A longest-prefix lookup returns only the longest
 * match, but systemd lets an allow win whatever the prefix lengths; so each entry's flags
 * are the union of the flags of every entry that contains it. Every entry matching an
 * address contains the longest match, so its flags then say whether any allow or any deny
 * matched.
 */
public final class PolicyTrie {
    public static final int ALLOW = 1, DENY = 2;
    public static final int FAMILY_IPV4 = 4, FAMILY_IPV6 = 6;
    public static final int FAMILY_BITS = 8;
    public static final int KEY_SIZE = 4 + 1 + 16;
    public static final int VALUE_SIZE = 4;
    /** Room per unit; an LPM trie allocates only what it holds. */
    public static final int CAPACITY = 16384;

    /** One list entry: an address (4 or 16 bytes, host bits zero) with its prefix length. */
    public record Entry(byte[] address, int prefixLength, int flags) {
        public Entry {
            if (address.length != 4 && address.length != 16)
                throw new IllegalArgumentException("address must be 4 or 16 bytes");
            if (prefixLength < 0 || prefixLength > address.length * 8)
                throw new IllegalArgumentException("prefix length " + prefixLength + " out of range");
            address = address.clone();
        }

        boolean contains(Entry other) {
            if (other.address.length != address.length || other.prefixLength < prefixLength) return false;
            for (int bit = 0; bit < prefixLength; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (other.address[bit / 8] & mask)) return false;
            }
            return true;
        }

        boolean sameKey(Entry o) {
            return prefixLength == o.prefixLength && Arrays.equals(address, o.address);
        }

        @Override
        public byte[] address() {
            return address.clone();
        }

        // By content: a reload compares policies to decide whether anything must be swapped.
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && sameKey(e) && flags == e.flags;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(address) * 31 + prefixLength * 7 + flags;
        }

        @Override
        public String toString() {
            return (flags == ALLOW ? "allow " : flags == DENY ? "deny " : "flags " + flags + " ")
                    + java.util.HexFormat.of().formatHex(address) + "/" + prefixLength;
        }
    }

    private PolicyTrie() {}

    /** The shape of every unit's trie. */
    public static MapSpec spec(String name) {
        return new MapSpec(MapType.LPM_TRIE, name, KEY_SIZE, VALUE_SIZE, CAPACITY, MapSpec.BPF_F_NO_PREALLOC);
    }

    /** Entries with their flags widened to everything that contains them; duplicate keys merged. */
    public static List<Entry> closure(List<Entry> entries) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (out.stream().anyMatch(x -> x.sameKey(e))) continue;
            int flags = 0;
            for (Entry c : entries) if (c.contains(e)) flags |= c.flags;
            out.add(new Entry(e.address, e.prefixLength, flags));
        }
        if (out.size() > CAPACITY)
            throw new IllegalArgumentException("a unit's address lists hold " + out.size() + " prefixes, at most " + CAPACITY);
        return out;
    }

    /** Creates and fills a new trie; the caller swaps it in and owns it. */
    public static BpfMap create(String name, List<Entry> entries) {
        List<Entry> closed = closure(entries);
        BpfMap trie = BpfMap.create(spec(name));
        try {
            for (Entry e : closed) trie.update(key(e.address, e.prefixLength), Bytes.u32(e.flags));
            return trie;
        } catch (RuntimeException ex) {
            trie.close();
            throw ex;
        }
    }

    /** The key for an address: prefixlen (host order), family byte, address (network order). */
    public static byte[] key(byte[] address, int prefixLength) {
        byte[] k = new byte[KEY_SIZE];
        System.arraycopy(Bytes.u32(FAMILY_BITS + prefixLength), 0, k, 0, 4);
        k[4] = (byte) (address.length == 4 ? FAMILY_IPV4 : FAMILY_IPV6);
        System.arraycopy(address, 0, k, 5, address.length);
        return k;
    }
}
