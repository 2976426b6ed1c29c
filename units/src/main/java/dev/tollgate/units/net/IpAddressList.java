package dev.tollgate.units.net;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * An {@code IPAddressAllow=} or {@code IPAddressDeny=} list in systemd's reduced form
 * (src/shared/in-addr-prefix-util.c, {@code in_addr_prefixes_reduce()}): a set of networks in
 * which no entry lies inside another, shorter one, since such an entry changes nothing. The
 * list covers exactly the addresses its input covered. It is immutable, sorted (IPv4 first,
 * then by address and length) and compares by content, so two spellings of one policy are equal.
 */
public record IpAddressList(List<IpPrefix> entries) {

    public static final IpAddressList EMPTY = new IpAddressList(List.of());

    public IpAddressList {
        entries = reduce(entries);
    }

    public static IpAddressList of(Collection<IpPrefix> prefixes) {
        return new IpAddressList(List.copyOf(prefixes));
    }

    public static IpAddressList of(IpPrefix... prefixes) {
        return new IpAddressList(List.of(prefixes));
    }

    /** The addresses of both lists (how a unit's list combines with its slices' lists). */
    public IpAddressList union(IpAddressList other) {
        List<IpPrefix> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new IpAddressList(all);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Both {@code 0.0.0.0/0} and {@code ::/0}: systemd's "any". */
    public boolean isAny() {
        return entries.contains(IpPrefix.any(IpFamily.IPV4)) && entries.contains(IpPrefix.any(IpFamily.IPV6));
    }

    /** Whether an address (4 or 16 bytes) is matched by some entry. */
    public boolean matches(byte[] address) {
        for (IpPrefix p : entries) {
            if (p.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public List<IpPrefix> entries(IpFamily family) {
        return entries.stream().filter(p -> p.family() == family).toList();
    }

    private static List<IpPrefix> reduce(List<IpPrefix> input) {
        Set<IpPrefix> set = new HashSet<>(input);
        boolean[][] lengths = {new boolean[33], new boolean[129]};
        for (IpPrefix p : set) {
            lengths[p.family().ordinal()][p.length()] = true;
        }
        TreeSet<IpPrefix> kept = new TreeSet<>();
        for (IpPrefix p : set) {
            boolean covered = false;
            boolean[] present = lengths[p.family().ordinal()];
            for (int len = 0; len < p.length() && !covered; len++) {
                covered = present[len] && set.contains(p.widen(len));
            }
            if (!covered) {
                kept.add(p);
            }
        }
        return List.copyOf(kept);
    }

    /** Space-separated, as it could be written back into a unit file. */
    @Override
    public String toString() {
        return entries.stream().map(IpPrefix::toString).collect(Collectors.joining(" "));
    }
}
