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

    /** A builder of zeros, to set the figures by name (other modules order theirs differently). */
    public static Builder builder() {
        return new Builder();
    }

    /** {@link Counters} by named setters; unset figures are 0. */
    public static final class Builder {
        private long ingressBytes;
        private long ingressPackets;
        private long egressBytes;
        private long egressPackets;
        private long ingressDroppedBytes;
        private long ingressDroppedPackets;
        private long egressDroppedBytes;
        private long egressDroppedPackets;

        private Builder() {}

        public Builder ingressBytes(long v) {
            ingressBytes = v;
            return this;
        }

        public Builder ingressPackets(long v) {
            ingressPackets = v;
            return this;
        }

        public Builder egressBytes(long v) {
            egressBytes = v;
            return this;
        }

        public Builder egressPackets(long v) {
            egressPackets = v;
            return this;
        }

        public Builder ingressDroppedBytes(long v) {
            ingressDroppedBytes = v;
            return this;
        }

        public Builder ingressDroppedPackets(long v) {
            ingressDroppedPackets = v;
            return this;
        }

        public Builder egressDroppedBytes(long v) {
            egressDroppedBytes = v;
            return this;
        }

        public Builder egressDroppedPackets(long v) {
            egressDroppedPackets = v;
            return this;
        }

        public Counters build() {
            return new Counters(ingressBytes, ingressPackets, egressBytes, egressPackets,
                    ingressDroppedBytes, ingressDroppedPackets, egressDroppedBytes, egressDroppedPackets);
        }
    }
}
