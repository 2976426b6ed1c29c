package dev.tollgate.accounting;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * A packet a unit's program dropped: one 64-byte record of the unit's ring buffer, decoded (see
 * {@link DropEventLayout}). The API's {@code DropEvent} is what the daemon makes of it (wall
 * clock time, the unit's name, addresses as text).
 * {@code monotonicNs} is bpf_ktime_get_ns (CLOCK_MONOTONIC); {@code unitId} is the id of the
 * unit's events map, which {@link Accounting#unitOfEvent} maps back to the unit's name.
 * Addresses are the IP header's; for ingress the remote end is the source, for egress the
 * destination. {@code family} is 4, 6, or 0 for a packet that was neither.
 */
public record DropRecord(long monotonicNs, int unitId, Direction direction, int family, int protocol, int length,
                         InetAddress source, InetAddress destination, int transport, int ifindex) {
    public static final int TCP = 6, UDP = 17, ICMP = 1, ICMPV6 = 58;
    private static final ValueLayout.OfInt BIG_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Reads a record of the ring buffer; throws for one of another size. */
    public static DropRecord decode(MemorySegment r) {
        if (r.byteSize() != DropEventLayout.EVENT_SIZE)
            throw new IllegalArgumentException("a drop event has " + DropEventLayout.EVENT_SIZE + " bytes, not " + r.byteSize());
        int family = r.get(ValueLayout.JAVA_BYTE, DropEventLayout.FAMILY);
        int len = family == 6 ? 16 : 4;
        return new DropRecord(r.get(ValueLayout.JAVA_LONG_UNALIGNED, DropEventLayout.TIME),
                r.get(ValueLayout.JAVA_INT_UNALIGNED, DropEventLayout.UNIT),
                r.get(ValueLayout.JAVA_BYTE, DropEventLayout.DIRECTION) == 0 ? Direction.INGRESS : Direction.EGRESS,
                family, Byte.toUnsignedInt(r.get(ValueLayout.JAVA_BYTE, DropEventLayout.PROTOCOL)),
                r.get(ValueLayout.JAVA_INT_UNALIGNED, DropEventLayout.LENGTH),
                family == 0 ? null : address(r, DropEventLayout.SOURCE, len),
                family == 0 ? null : address(r, DropEventLayout.DESTINATION, len),
                r.get(BIG_INT, DropEventLayout.TRANSPORT),
                r.get(ValueLayout.JAVA_INT_UNALIGNED, DropEventLayout.IFINDEX));
    }

    private static InetAddress address(MemorySegment r, long offset, int len) {
        try {
            return InetAddress.getByAddress(r.asSlice(offset, len).toArray(ValueLayout.JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes are always an address
        }
    }

    public InetAddress remote() {
        return direction == Direction.INGRESS ? source : destination;
    }

    public InetAddress local() {
        return direction == Direction.INGRESS ? destination : source;
    }

    public boolean hasPorts() {
        return protocol == TCP || protocol == UDP;
    }

    public boolean isIcmp() {
        return protocol == ICMP || protocol == ICMPV6;
    }

    public int sourcePort() {
        return transport >>> 16;
    }

    public int destinationPort() {
        return transport & 0xffff;
    }

    public int remotePort() {
        return direction == Direction.INGRESS ? sourcePort() : destinationPort();
    }

    public int localPort() {
        return direction == Direction.INGRESS ? destinationPort() : sourcePort();
    }

    public int icmpType() {
        return transport >>> 24;
    }

    public int icmpCode() {
        return (transport >>> 16) & 0xff;
    }
}
