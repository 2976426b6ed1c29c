package dev.tollgate.system.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/** Loopback UDP seen from the test JVM, which is outside every unit's cgroup. */
final class Loopback {
    private Loopback() {}

    /** IPv4 + UDP header: a datagram of {@code payload} bytes is an IP packet (skb->len) of payload + 28. */
    static long ipBytes(long packets, int payload) {
        return packets * (payload + 28L);
    }

    /**
     * Counts the datagrams that arrive at an address, on a blocking platform thread (so that a
     * busy machine, e.g. a JVM starting beside it, delays it as little as possible), with as large
     * a receive buffer as net.core.rmem_max allows.
     */
    static final class Receiver implements AutoCloseable {
        private final DatagramChannel channel;
        private final Thread thread;
        final AtomicLong count = new AtomicLong();
        /** The UDP payload bytes of every datagram received (IP bytes: this plus 28 per datagram). */
        final AtomicLong payloadBytes = new AtomicLong();

        Receiver(String address) throws IOException {
            channel = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(address, 0));
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 16 << 20);
            channel.configureBlocking(true);
            thread = Thread.ofPlatform().daemon().name("receiver-" + address).start(() -> {
                ByteBuffer b = ByteBuffer.allocate(65536);
                try {
                    while (true) {
                        b.clear();
                        channel.receive(b);
                        payloadBytes.addAndGet(b.position());
                        count.incrementAndGet();
                    }
                } catch (ClosedChannelException closed) {
                    // close(): done
                } catch (IOException e) {
                    throw new IllegalStateException("receiver at " + address + " failed", e);
                }
            });
        }

        int port() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws IOException {
            channel.close();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
