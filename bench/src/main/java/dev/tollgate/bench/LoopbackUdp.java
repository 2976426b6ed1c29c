package dev.tollgate.bench;

import dev.tollgate.testkit.ScratchCgroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A connected UDP sender and a receiver on one loopback address, both created in one cgroup
 * (so both are charged to it: each datagram runs that cgroup's egress programs once and its
 * ingress programs once). Traffic is exchanged in small batches, each drained before the next
 * is sent, so the receive buffer never overflows and every datagram sent is received.
 */
final class LoopbackUdp implements AutoCloseable {
    /** Datagrams in flight at most; far below what the default receive buffer holds. */
    static final int BATCH = 64;

    private final DatagramChannel sender;
    private final DatagramChannel receiver;
    private final ByteBuffer out;
    private final ByteBuffer in = ByteBuffer.allocateDirect(65536);

    /** What one exchange did: datagrams the kernel accepted, datagrams received, wall time. */
    record Exchange(long sent, long received, long refused, long elapsedNs) {
        boolean complete(long wanted) {
            return sent == wanted && received == wanted && refused == 0;
        }
    }

    private LoopbackUdp(DatagramChannel sender, DatagramChannel receiver, int payload) {
        this.sender = sender;
        this.receiver = receiver;
        this.out = ByteBuffer.allocateDirect(payload);
    }

    /** Opens the pair with this whole process moved into {@code cgroup} for the moment of socket creation. */
    static LoopbackUdp openIn(Path cgroup, InetAddress address, int payload) throws Exception {
        return ScratchCgroup.inside(cgroup, () -> open(address, payload));
    }

    private static LoopbackUdp open(InetAddress address, int payload) throws IOException {
        var family = address.getAddress().length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        DatagramChannel receiver = DatagramChannel.open(family);
        DatagramChannel sender = null;
        try {
            receiver.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            receiver.bind(new InetSocketAddress(address, 0));
            receiver.configureBlocking(false);
            sender = DatagramChannel.open(family);
            sender.bind(new InetSocketAddress(address, 0));
            sender.connect(receiver.getLocalAddress());
            return new LoopbackUdp(sender, receiver, payload);
        } catch (IOException | RuntimeException e) {
            receiver.close();
            if (sender != null) sender.close();
            throw e;
        }
    }

    /** Sends {@code count} datagrams and receives them, giving up at {@code timeout}. */
    Exchange exchange(long count, Duration timeout) throws IOException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long sent = 0, received = 0, refused = 0;
        while (sent < count && System.nanoTime() < deadline) {
            long batch = Math.min(BATCH, count - sent);
            for (long i = 0; i < batch; i++) {
                out.clear();
                try {
                    if (sender.write(out) > 0) sent++;
                } catch (IOException e) {
                    refused++; // e.g. EPERM from a program that dropped it on egress
                }
            }
            if (refused > 0) break;
            // Loopback delivers within the send (softirq on the way out), so this rarely waits.
            while (received < sent) {
                in.clear();
                if (receiver.receive(in) != null) {
                    received++;
                } else if (System.nanoTime() > deadline) {
                    break;
                } else {
                    Thread.onSpinWait();
                }
            }
        }
        return new Exchange(sent, received, refused, System.nanoTime() - start);
    }

    @Override
    public void close() throws IOException {
        try {
            sender.close();
        } finally {
            receiver.close();
        }
    }
}
