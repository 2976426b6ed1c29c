package dev.tollgate.accounting;

import dev.tollgate.bpf.AttachType;

/**
 * Ingress or egress: which hook, which address of the IP header the firewall checks
 * (ingress the source, egress the destination), and where its counters live.
 */
public enum Direction {
    INGRESS(AttachType.CGROUP_INET_INGRESS, 12, 8, CounterLayout.IN_PACKETS, CounterLayout.IN_DROPPED_PACKETS),
    EGRESS(AttachType.CGROUP_INET_EGRESS, 16, 24, CounterLayout.OUT_PACKETS, CounterLayout.OUT_DROPPED_PACKETS);

    public final AttachType attachType;
    /** Offset of the checked address in the IPv4 header (source 12, destination 16). */
    public final int ipv4AddressOffset;
    /** Offset of the checked address in the IPv6 header (source 8, destination 24). */
    public final int ipv6AddressOffset;
    /** Offset of the packets counter in a counter value; the bytes follow it. */
    public final int passedOffset;
    public final int droppedOffset;

    Direction(AttachType attachType, int v4, int v6, int passedOffset, int droppedOffset) {
        this.attachType = attachType;
        this.ipv4AddressOffset = v4;
        this.ipv6AddressOffset = v6;
        this.passedOffset = passedOffset;
        this.droppedOffset = droppedOffset;
    }

    public String shortName() {
        return this == INGRESS ? "ingress" : "egress";
    }
}
