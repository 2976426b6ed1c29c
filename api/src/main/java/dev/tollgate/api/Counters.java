package dev.tollgate.api;

/**
 * Traffic of a unit or slice since the unit last started (IDL {@code Counters}): what its
 * programs let through and what its firewall dropped, per direction. Bytes are the IP packet
 * without link-layer header, as systemd counts them.
 */
public record Counters(
        long ingressBytes,
        long ingressPackets,
        long egressBytes,
        long egressPackets,
        long ingressDroppedBytes,
        long ingressDroppedPackets,
        long egressDroppedBytes,
        long egressDroppedPackets) {

    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0);
}
