package dev.tollgate.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

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

    /**
     * The {@code Counters} object the parser is at (its START_OBJECT), by field name, up to its
     * END_OBJECT; null for anything else (skipped). Unknown fields are skipped.
     */
    public static Counters read(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        Builder c = builder();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "ingressBytes" -> c.ingressBytes(p.getLongValue());
                case "ingressPackets" -> c.ingressPackets(p.getLongValue());
                case "egressBytes" -> c.egressBytes(p.getLongValue());
                case "egressPackets" -> c.egressPackets(p.getLongValue());
                case "ingressDroppedBytes" -> c.ingressDroppedBytes(p.getLongValue());
                case "ingressDroppedPackets" -> c.ingressDroppedPackets(p.getLongValue());
                case "egressDroppedBytes" -> c.egressDroppedBytes(p.getLongValue());
                case "egressDroppedPackets" -> c.egressDroppedPackets(p.getLongValue());
                default -> p.skipChildren();
            }
        }
        return c.build();
    }

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
