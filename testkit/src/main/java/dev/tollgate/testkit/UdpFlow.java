package dev.tollgate.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A sender and a receiver UDP socket on loopback, created in whatever cgroup the process is
 * in at {@link #open} time, so that both are charged to it.
 */
public final class UdpFlow implements AutoCloseable {
    private final DatagramChannel sender;
    private final DatagramChannel receiver;
    private final InetSocketAddress to;

    private UdpFlow(DatagramChannel sender, DatagramChannel receiver, InetSocketAddress to) {
        this.sender = sender;
        this.receiver = receiver;
        this.to = to;
    }

    public static UdpFlow open(String loopback) throws IOException {
        InetAddress addr = InetAddress.getByName(loopback);
        ProtocolFamily family = addr.getAddress().length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        DatagramChannel receiver = DatagramChannel.open(family).bind(new InetSocketAddress(addr, 0));
        receiver.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 8 << 20);
        DatagramChannel sender = DatagramChannel.open(family).bind(new InetSocketAddress(addr, 0));
        return new UdpFlow(sender, receiver, (InetSocketAddress) receiver.getLocalAddress());
    }

    /** Sends one datagram of {@code payload} bytes; false if the kernel refused it (e.g. EPERM from a firewall). */
    public boolean send(int payload) {
        try {
            sender.send(ByteBuffer.allocate(payload), to);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends {@code count} datagrams to another address (e.g. a denied one); returns how many the kernel accepted. */
    public int sendTo(InetSocketAddress target, int count, int payload) {
        int ok = 0;
        for (int i = 0; i < count; i++) {
            try {
                sender.send(ByteBuffer.allocate(payload), target);
                ok++;
            } catch (IOException e) {
                // refused: counted by the caller as not sent
            }
        }
        return ok;
    }

    /**
     * Receives until {@code expected} datagrams arrived (failing after {@link Await#SAFETY_NET}),
     * then takes whatever more is already queued; returns how many arrived.
     */
    public int receive(int expected) throws IOException {
        receiver.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(65536);
        int got = 0;
        long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
        try (Selector selector = Selector.open()) {
            receiver.register(selector, SelectionKey.OP_READ);
            while (got < expected) {
                buf.clear();
                if (receiver.receive(buf) != null) {
                    got++;
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("only " + got + " of " + expected + " datagrams arrived within " + Await.SAFETY_NET);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
            }
        }
        // Anything more that arrives is a test failure for exact counts: drain it.
        buf.clear();
        while (receiver.receive(buf) != null) {
            got++;
            buf.clear();
        }
        return got;
    }

    public InetSocketAddress receiverAddress() {
        return to;
    }

    @Override
    public void close() throws IOException {
        sender.close();
        receiver.close();
    }
}
