package dev.tollgate.accounting;

/**
 * A counters map's value summed over the CPUs: a unit's or slice's traffic, what its programs
 * let through, per direction, and what they dropped, in the map's layout order
 * ({@link CounterLayout}: packets before bytes). Bytes are skb->len: the IP packet without
 * link-layer header, as systemd counts. Not the API's {@code Counters}: the daemon turns these
 * into those by name, in one place.
 */
public record CounterSums(long ingressPackets, long ingressBytes, long egressPackets, long egressBytes,
                          long ingressDroppedPackets, long ingressDroppedBytes,
                          long egressDroppedPackets, long egressDroppedBytes) {
    public static final CounterSums ZERO = new CounterSums(0, 0, 0, 0, 0, 0, 0, 0);

    /** From the eight summed fields of {@link CounterLayout}. */
    public static CounterSums of(long[] f) {
        if (f.length != CounterLayout.VALUE_SIZE / 8) throw new IllegalArgumentException("need 8 fields, got " + f.length);
        return new CounterSums(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
    }

    public CounterSums plus(CounterSums o) {
        return new CounterSums(ingressPackets + o.ingressPackets, ingressBytes + o.ingressBytes,
                egressPackets + o.egressPackets, egressBytes + o.egressBytes,
                ingressDroppedPackets + o.ingressDroppedPackets, ingressDroppedBytes + o.ingressDroppedBytes,
                egressDroppedPackets + o.egressDroppedPackets, egressDroppedBytes + o.egressDroppedBytes);
    }

    /** The difference, field by field (u64 arithmetic: exact as long as {@code o} was counted before this). */
    public CounterSums minus(CounterSums o) {
        return new CounterSums(ingressPackets - o.ingressPackets, ingressBytes - o.ingressBytes,
                egressPackets - o.egressPackets, egressBytes - o.egressBytes,
                ingressDroppedPackets - o.ingressDroppedPackets, ingressDroppedBytes - o.ingressDroppedBytes,
                egressDroppedPackets - o.egressDroppedPackets, egressDroppedBytes - o.egressDroppedBytes);
    }
}
