package dev.tollgate.system.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;

/**
 * A Varlink client that owes nothing to the varlink and api modules: a plain {@link SocketChannel},
 * hand-written JSON text out (each message ended by a NUL, as varlink.org says), NUL-split bytes
 * in, and a stock Jackson {@link ObjectMapper} (rejecting duplicate keys) to read the replies.
 * Every read has a deadline, so a daemon that does not answer fails the test instead of hanging
 * it. It checks each reply against the spec: a JSON object with only {@code parameters} (an
 * object), {@code continues} (a boolean) and {@code error} (a string).
 */
final class RawVarlink implements AutoCloseable {
    static final Duration DEFAULT_TIMEOUT = Await.SAFETY_NET;
    private static final ObjectMapper PLAIN = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Set<String> REPLY_KEYS = Set.of("parameters", "continues", "error");

    private final SocketChannel ch;
    private final Selector selector;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean eof;

    RawVarlink(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.configureBlocking(false);
        selector = Selector.open();
    }

    /** Sends the text and a NUL. */
    RawVarlink send(String json) throws IOException {
        return sendBytes((json + "\0").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends raw bytes, as they are (no NUL added). */
    RawVarlink sendBytes(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
        while (b.hasRemaining()) {
            if (ch.write(b) == 0) {
                if (System.nanoTime() > deadline) throw new IOException("the server stopped reading");
                await(SelectionKey.OP_WRITE, deadline);
            }
        }
        return this;
    }

    void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    /** A call and its one reply. */
    JsonNode call(String json) throws IOException {
        send(json);
        JsonNode r = read();
        if (r == null) throw new IOException("the server closed the connection instead of answering " + json);
        return r;
    }

    /** The next message's raw text; null at the end of the stream. */
    String readText(Duration timeout) throws IOException {
        timeout = Await.atLeastSafetyNet(timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer b = ByteBuffer.allocate(65536);
        while (true) {
            byte[] have = pending.toByteArray();
            for (int i = 0; i < have.length; i++) {
                if (have[i] == 0) {
                    pending.reset();
                    pending.write(have, i + 1, have.length - i - 1);
                    return new String(have, 0, i, StandardCharsets.UTF_8);
                }
            }
            if (eof) {
                if (have.length != 0) {
                    throw new AssertionError("the stream ended inside a message: " + new String(have, StandardCharsets.UTF_8));
                }
                return null;
            }
            b.clear();
            int n;
            try {
                n = ch.read(b);
            } catch (IOException reset) {
                n = -1; // a reset after the server closed: the end too
            }
            if (n < 0) {
                eof = true;
            } else if (n == 0) {
                if (System.nanoTime() > deadline) throw new IOException("no reply within " + timeout);
                await(SelectionKey.OP_READ, deadline);
            } else {
                pending.write(b.array(), 0, n);
            }
        }
    }

    /** The next reply, checked against the spec's reply shape; null at the end of the stream. */
    JsonNode read() throws IOException {
        return read(DEFAULT_TIMEOUT);
    }

    JsonNode read(Duration timeout) throws IOException {
        String text = readText(timeout);
        return text == null ? null : checkReply(text);
    }

    static JsonNode checkReply(String text) throws IOException {
        JsonNode n = PLAIN.readTree(text);
        if (n == null || !n.isObject()) throw new AssertionError("a reply is not a JSON object: " + text);
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!REPLY_KEYS.contains(k)) throw new AssertionError("reply has key '" + k + "': " + text);
        }
        if (!n.path("parameters").isObject()) throw new AssertionError("reply without a parameters object: " + text);
        if (n.has("continues") && !n.get("continues").isBoolean()) throw new AssertionError("continues is no boolean: " + text);
        if (n.has("error") && !n.get("error").isTextual()) throw new AssertionError("error is no string: " + text);
        if (n.has("error") && n.path("continues").asBoolean(false)) throw new AssertionError("an error reply continues: " + text);
        return n;
    }

    /** Whether the server closed the connection without sending anything more (waits up to {@code timeout}). */
    boolean closedByServer(Duration timeout) throws IOException {
        return readText(timeout) == null;
    }

    private void await(int op, long deadline) throws IOException {
        long ms = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        SelectionKey key = ch.register(selector, op);
        try {
            selector.select(Math.min(ms, 1000));
            selector.selectedKeys().clear();
        } finally {
            key.interestOps(0);
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        ch.close();
    }

    static JsonNode parse(String json) throws IOException {
        return PLAIN.readTree(json);
    }

    /** A JSON string literal, escaped by hand. */
    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
