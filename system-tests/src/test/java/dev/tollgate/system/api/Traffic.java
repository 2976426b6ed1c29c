package dev.tollgate.system.api;

import dev.tollgate.system.TollgatedProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loopback UDP only: a generator to run as a unit's ExecStart, a receiver and a sender in the
 * test JVM (outside every unit's cgroup), and what the counters must say about them.
 */
final class Traffic {
    private Traffic() {}

    /** IPv4 + UDP header: a datagram of {@code payload} bytes is an IP packet of payload + 28 (skb->len). */
    static long ipBytes(long packets, int payload) {
        return packets * (payload + 28L);
    }

    /**
     * The ExecStart= of a unit that sends {@code sent} datagrams of {@code size} bytes to
     * 127.0.0.1:{@code to}, tries {@code denied} 1-byte datagrams to {@code deniedAddress}:{@code deniedPort}
     * (which a firewall refuses), writes its own port to {@code portFile} (atomically), then
     * receives forever, writing how many datagrams arrived to {@code receivedFile}.
     */
    static String generator(int sent, int size, int to, int denied, String deniedAddress, int deniedPort,
                            Path portFile, Path receivedFile) {
        return TollgatedProcess.python("""
                import os,socket
                def put(path, text):
                    open(path + '.tmp', 'w').write(text); os.rename(path + '.tmp', path)
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(('127.0.0.1', 0))
                for i in range(%d): s.sendto(b'x' * %d, ('127.0.0.1', %d))
                for i in range(%d):
                    try: s.sendto(b'y', ('%s', %d))
                    except OSError: pass
                put('%s', str(s.getsockname()[1]))
                n = 0
                while True:
                    s.recv(65536)
                    n += 1
                    put('%s', str(n))
                """.formatted(sent, size, to, denied, deniedAddress, deniedPort, portFile, receivedFile));
    }

    /** Sends {@code count} datagrams of {@code size} bytes to 127.0.0.1:{@code port} from this JVM. */
    static void send(int port, int count, int size) throws IOException {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            for (int i = 0; i < count; i++) ch.send(ByteBuffer.allocate(size), to);
        }
    }

    /** A receiver outside every unit, counting datagrams in the background. */
    static final class Receiver implements AutoCloseable {
        private final DatagramChannel channel;
        final AtomicLong count = new AtomicLong();
        private final Thread thread;

        Receiver(String address) throws IOException {
            channel = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(address, 0));
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            // Blocking, on a platform thread of its own: woken at once by each datagram, so that a
            // busy machine delays it as little as possible (a full receive buffer would drop).
            channel.configureBlocking(true);
            thread = Thread.ofPlatform().daemon().name("receiver-" + address).start(() -> {
                ByteBuffer b = ByteBuffer.allocate(65536);
                try {
                    while (true) {
                        b.clear();
                        channel.receive(b);
                        count.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // close(): done
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
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
