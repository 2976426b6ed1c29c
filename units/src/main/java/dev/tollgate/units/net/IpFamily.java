package dev.tollgate.units.net;

/** The two address families IP access lists hold. */
public enum IpFamily {
    IPV4(32),
    IPV6(128);

    private final int bits;

    IpFamily(int bits) {
        this.bits = bits;
    }

    /** Address width in bits: the longest prefix length. */
    public int bits() {
        return bits;
    }

    /** Address width in bytes. */
    public int bytes() {
        return bits / 8;
    }
}
