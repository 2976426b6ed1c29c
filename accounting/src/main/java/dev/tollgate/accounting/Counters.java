package dev.tollgate.accounting;

/**
 * A unit's or slice's traffic: what its programs let through, per direction, and what they
 * dropped. Bytes are skb->len: the IP packet without link-layer header, as systemd counts.
 */
public record Counters(long ingressPackets, long ingressBytes, long egressPackets, long egressBytes,
                       long ingressDroppedPackets, long ingressDroppedBytes,
                       long egressDroppedPackets, long egressDroppedBytes) {
    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0);

    /** From the eight summed fields of {@link CounterLayout}. */
    public static Counters of(long[] f) {
        if (f.length != CounterLayout.VALUE_SIZE / 8) throw new IllegalArgumentException("need 8 fields, got " + f.length);
        return new Counters(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
    }

    public Counters plus(Counters o) {
        return new Counters(ingressPackets + o.ingressPackets, ingressBytes + o.ingressBytes,
                egressPackets + o.egressPackets, egressBytes + o.egressBytes,
                ingressDroppedPackets + o.ingressDroppedPackets, ingressDroppedBytes + o.ingressDroppedBytes,
                egressDroppedPackets + o.egressDroppedPackets, egressDroppedBytes + o.egressDroppedBytes);
    }

    /** The difference, field by field (u64 arithmetic: exact as long as {@code o} was counted before this). */
    public Counters minus(Counters o) {
        return new Counters(ingressPackets - o.ingressPackets, ingressBytes - o.ingressBytes,
                egressPackets - o.egressPackets, egressBytes - o.egressBytes,
                ingressDroppedPackets - o.ingressDroppedPackets, ingressDroppedBytes - o.ingressDroppedBytes,
                egressDroppedPackets - o.egressDroppedPackets, egressDroppedBytes - o.egressDroppedBytes);
    }
}
