package dev.tollgate.accounting;

import java.util.List;

/**
 * One level's {@code RestrictNetworkInterfaces=} with its names resolved: a packet passes when
 * {@code skb->ifindex} is one of {@code ifindexes} (allow list) or is none of them (deny
 * list). An allow list whose names all failed to resolve is empty and drops everything, as in
 * systemd, whose program then finds nothing in its map.
 */
public record InterfaceRule(boolean allowList, List<Integer> ifindexes) {
    public InterfaceRule {
        ifindexes = List.copyOf(new java.util.TreeSet<>(ifindexes));
        for (int i : ifindexes) {
            if (i <= 0) throw new IllegalArgumentException("bad ifindex " + i);
        }
    }

    /** An allow list that resolved to nothing. */
    public boolean dropsAll() {
        return allowList && ifindexes.isEmpty();
    }
}
