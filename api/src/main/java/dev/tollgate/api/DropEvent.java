package dev.tollgate.api;

import java.util.Objects;

/**
 * A packet a unit's firewall dropped (IDL {@code DropEvent}).
 *
 * @param timestamp CLOCK_REALTIME microseconds
 * @param direction {@code ingress} or {@code egress}
 * @param family 4, 6, or 0 for neither
 */
public record DropEvent(long timestamp, String unit, String direction, int family, int protocol, String remoteAddress,
                        String localAddress, Integer remotePort, Integer localPort, Integer icmpType, Integer icmpCode,
                        long length, int ifindex) {
    public DropEvent {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(direction, "direction");
    }

    /** The protocol's name as tollctl prints it: TCP, UDP, ICMP, ICMPv6, else {@code proto N}. */
    public String protocolName() {
        return switch (protocol) {
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 1 -> "ICMP";
            case 58 -> "ICMPv6";
            default -> "proto " + protocol;
        };
    }
}
