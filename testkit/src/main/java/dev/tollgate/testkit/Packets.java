package dev.tollgate.testkit;

import java.nio.ByteBuffer;

/** Crafted frames for BPF_PROG_TEST_RUN: a 14-byte Ethernet header, then the IP packet. */
public final class Packets {
    private Packets() {}

    public static byte[] ipv4Udp(byte[] src, byte[] dst, int payload) {
        int ipLen = 20 + 8 + payload;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLen);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0);
        b.put(src).put(dst);
        b.putShort((short) 1234).putShort((short) 5678).putShort((short) (8 + payload)).putShort((short) 0);
        return b.array();
    }

    public static byte[] ipv6Udp(byte[] src, byte[] dst, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + payload);
        b.put(new byte[12]).putShort((short) 0x86DD);
        b.putInt(0x60000000).putShort((short) (8 + payload)).put((byte) 17).put((byte) 64);
        b.put(src).put(dst);
        b.putShort((short) 1234).putShort((short) 5678).putShort((short) (8 + payload)).putShort((short) 0);
        return b.array();
    }

    /** An ARP frame: neither IPv4 nor IPv6. */
    public static byte[] arp() {
        ByteBuffer b = ByteBuffer.allocate(14 + 28);
        b.put(new byte[12]).putShort((short) 0x0806);
        return b.array();
    }
}
