package dev.tollgate.accounting;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * UDP traffic for the interface tests, run with {@code ip netns exec} in a network namespace
 * the test made. {@code echo ADDRESS PORT}: sends every datagram back (outside the unit).
 * {@code client}: inside the unit; echoes on 127.0.0.1 itself and reads commands from stdin:
 * {@code send HOST PORT N} sends N datagrams one by one, each waiting for its echo, and prints
 * {@code sent S refused R echoed E}; {@code flood HOST PORT} sends to HOST (expected refused)
 * and to its own loopback echo (expected through) until a line {@code stop}, then prints the
 * same line for the refused part and {@code loop L} for the loopback round trips.
 */
public final class IfaceTraffic {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("echo")) {
            echo(new InetSocketAddress(args[1], Integer.parseInt(args[2])), true);
            return;
        }
        InetSocketAddress loop = startLoopbackEcho();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("ready");
        System.out.flush();
        try (DatagramChannel c = DatagramChannel.open(); Selector sel = Selector.open()) {
            c.configureBlocking(false);
            c.bind(null);
            c.register(sel, SelectionKey.OP_READ);
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.split(" ");
                if (w[0].equals("send")) {
                    InetSocketAddress to = new InetSocketAddress(w[1], Integer.parseInt(w[2]));
                    long[] r = new long[3];
                    for (int i = Integer.parseInt(w[3]); i > 0; i--) exchange(c, sel, to, r);
                    System.out.println("sent " + r[0] + " refused " + r[1] + " echoed " + r[2]);
                } else if (w[0].equals("flood")) {
                    InetSocketAddress to = new InetSocketAddress(w[1], Integer.parseInt(w[2]));
                    AtomicBoolean stop = new AtomicBoolean();
                    long[] r = new long[3];
                    long[] l = new long[3];
                    Thread t = Thread.ofPlatform().start(() -> {
                        try {
                            while (!stop.get()) {
                                exchange(c, sel, to, r);
                                exchange(c, sel, loop, l);
                            }
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    System.out.println("flooding");
                    System.out.flush();
                    in.readLine();
                    stop.set(true);
                    t.join();
                    System.out.println("sent " + r[0] + " refused " + r[1] + " echoed " + r[2] + " loop " + l[2]
                            + " looprefused " + l[1]);
                }
                System.out.flush();
            }
        }
    }

    /** One datagram and, when it left, its echo (waited for up to 10 s: a lost echo fails the count). */
    private static void exchange(DatagramChannel c, Selector sel, InetSocketAddress to, long[] r) throws IOException {
        try {
            c.send(ByteBuffer.wrap(new byte[32]), to);
        } catch (SocketException e) {
            if (!String.valueOf(e.getMessage()).contains("not permitted")) throw e;
            r[1]++;
            return;
        }
        r[0]++;
        if (sel.select(10_000) > 0) {
            sel.selectedKeys().clear();
            while (c.receive(ByteBuffer.allocate(64)) != null) r[2]++;
        }
    }

    private static InetSocketAddress startLoopbackEcho() throws IOException {
        DatagramChannel s = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        InetSocketAddress at = (InetSocketAddress) s.getLocalAddress();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                serve(s);
            } catch (IOException e) {
                // the process ends
            }
        });
        return at;
    }

    private static void echo(InetSocketAddress at, boolean announce) throws IOException {
        DatagramChannel s = DatagramChannel.open().bind(at);
        if (announce) {
            System.out.println("ready");
            System.out.flush();
        }
        serve(s);
    }

    private static void serve(DatagramChannel s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64);
        for (;;) {
            b.clear();
            var from = s.receive(b);
            b.flip();
            try {
                s.send(b, from);
            } catch (SocketException e) {
                // refused by a filter on the way back: the client sees no echo
            }
        }
    }
}
