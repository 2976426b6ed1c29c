package dev.tollgate.units.net;

import dev.tollgate.units.syntax.CNumbers;
import java.util.Objects;
import java.util.Optional;

/**
 * An IPv4 or IPv6 network: an address and a prefix length, with the host bits always zero
 * ({@code 10.0.3.2/24} is held, printed and compared as {@code 10.0.3.0/24}), which is how
 * systemd stores {@code IPAddressAllow=}/{@code IPAddressDeny=} entries and how the kernel's
 * LPM trie wants them.
 *
 * <p>The address is held as two unsigned 64-bit halves (network order, IPv4 in the low 32 bits
 * of {@code low}), so prefixes compare and hash as values.
 */
public record IpPrefix(IpFamily family, long high, long low, int length) implements Comparable<IpPrefix> {

    public IpPrefix {
        Objects.requireNonNull(family, "family");
        if (length < 0 || length > family.bits()) {
            throw new IllegalArgumentException("prefix length " + length + " out of range for " + family);
        }
        if (family == IpFamily.IPV4 && (high != 0 || (low >>> 32) != 0)) {
            throw new IllegalArgumentException("IPv4 address wider than 32 bits");
        }
        // Canonical form: host bits cleared.
        if (family == IpFamily.IPV4) {
            low = length == 0 ? 0 : low & (0xffff_ffffL << (32 - length)) & 0xffff_ffffL;
        } else {
            if (length <= 64) {
                high = length == 0 ? 0 : high & (-1L << (64 - length));
                low = 0;
            } else {
                low = low & (-1L << (128 - length));
            }
        }
    }

    /** The network of {@code address} (4 or 16 bytes, network order) with {@code length} bits. */
    public static IpPrefix of(byte[] address, int length) {
        if (address.length == 4) {
            return new IpPrefix(IpFamily.IPV4, 0, toLong(address, 0, 4), length);
        }
        if (address.length == 16) {
            return new IpPrefix(IpFamily.IPV6, toLong(address, 0, 8), toLong(address, 8, 8), length);
        }
        throw new IllegalArgumentException("address must have 4 or 16 bytes, not " + address.length);
    }

    /** A single host: {@code /32} or {@code /128}. */
    public static IpPrefix host(byte[] address) {
        return of(address, address.length * 8);
    }

    /** The whole family: {@code 0.0.0.0/0} or {@code ::/0}. */
    public static IpPrefix any(IpFamily family) {
        return new IpPrefix(family, 0, 0, 0);
    }

    /**
     * systemd's {@code in_addr_prefix_from_string_auto()}: {@code ADDRESS[/LENGTH]}, the address
     * as {@code inet_pton(3)} reads it, the length as systemd reads numbers (so {@code /0x10} is 16).
     */
    public static Optional<IpPrefix> parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash >= 0 ? text.substring(0, slash) : text;
        Optional<byte[]> bytes = InetText.parse(addr);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        int bits = bytes.get().length * 8;
        int length = bits;
        if (slash >= 0) {
            var n = CNumbers.parseUnsigned(text.substring(slash + 1), 255);
            if (n.isEmpty() || n.getAsLong() > bits) {
                return Optional.empty();
            }
            length = (int) n.getAsLong();
        }
        return Optional.of(of(bytes.get(), length));
    }

    /** The network address, 4 or 16 bytes in network order. */
    public byte[] address() {
        byte[] b = new byte[family.bytes()];
        if (family == IpFamily.IPV4) {
            fromLong(low, b, 0, 4);
        } else {
            fromLong(high, b, 0, 8);
            fromLong(low, b, 8, 8);
        }
        return b;
    }

    /** Whether every address of {@code other} is in this network. */
    public boolean covers(IpPrefix other) {
        return other.family == family && other.length >= length
                && new IpPrefix(family, other.high, other.low, length).equals(this);
    }

    /** Whether {@code address} (4 or 16 bytes) is in this network. */
    public boolean contains(byte[] address) {
        if (address.length != family.bytes()) {
            return false;
        }
        return covers(host(address));
    }

    /** This network's address with a shorter length: the enclosing network. */
    public IpPrefix widen(int shorterLength) {
        return new IpPrefix(family, high, low, shorterLength);
    }

    @Override
    public int compareTo(IpPrefix o) {
        int c = family.compareTo(o.family);
        if (c == 0) {
            c = Long.compareUnsigned(high, o.high);
        }
        if (c == 0) {
            c = Long.compareUnsigned(low, o.low);
        }
        if (c == 0) {
            c = Integer.compare(length, o.length);
        }
        return c;
    }

    /** {@code 10.0.0.0/8}, {@code fe80::/64} (RFC 5952 text for IPv6). */
    @Override
    public String toString() {
        return InetText.format(address()) + "/" + length;
    }

    private static long toLong(byte[] b, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    private static void fromLong(long v, byte[] b, int off, int n) {
        for (int i = n - 1; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    // Written out, as a record's would be: the generated ones are method handles the JVM spins at
    // first use, on the daemon's start-up path (address lists are reduced while unit files load).
    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && family == p.family && high == p.high && low == p.low && length == p.length;
    }

    @Override
    public int hashCode() {
        return ((family.hashCode() * 31 + Long.hashCode(high)) * 31 + Long.hashCode(low)) * 31 + length;
    }
}
