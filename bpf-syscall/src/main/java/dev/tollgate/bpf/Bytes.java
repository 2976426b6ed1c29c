package dev.tollgate.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Keys and values in the host's byte order, as maps store them. */
public final class Bytes {
    private Bytes() {}

    public static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    public static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    public static byte[] u64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.nativeOrder());
        for (long x : v) b.putLong(x);
        return b.array();
    }

    public static int u32(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getInt(offset);
    }

    public static long u64(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong(offset);
    }

    public static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        return s.toString();
    }
}
