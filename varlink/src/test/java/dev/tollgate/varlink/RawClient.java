package dev.tollgate.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A Varlink client that knows nothing of this module: a plain socket, hand-written JSON text
 * out, NUL-split bytes in, a stock ObjectMapper to look at the replies. It checks the protocol
 * against the spec, not against our own client.
 */
final class RawClient implements AutoCloseable {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private final SocketChannel ch;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    RawClient(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
    }

    /** Sends the text and a NUL. */
    RawClient send(String json) throws IOException {
        return sendBytes((json + "\0").getBytes(StandardCharsets.UTF_8));
    }

    RawClient sendBytes(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
        return this;
    }

    void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    /** The next message's raw text, or null at end of stream. */
    String readText() throws IOException {
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
            b.clear();
            int n;
            try {
                n = ch.read(b);
            } catch (IOException e) {
                if (have.length == 0) {
                    return null; // reset by the server after it closed: the end too
                }
                throw e;
            }
            if (n < 0) {
                if (have.length != 0) {
                    throw new IOException("stream ended inside a message: " + new String(have, StandardCharsets.UTF_8));
                }
                return null;
            }
            pending.write(b.array(), 0, n);
        }
    }

    /** The next message parsed; checks that a reply has no keys but the spec's. */
    JsonNode read() throws IOException {
        String text = readText();
        if (text == null) {
            return null;
        }
        JsonNode n = PLAIN.readTree(text);
        var names = n.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!k.equals("parameters") && !k.equals("continues") && !k.equals("error")) {
                throw new AssertionError("reply has key '" + k + "': " + text);
            }
        }
        if (!n.path("parameters").isObject()) {
            throw new AssertionError("reply without parameters object: " + text);
        }
        return n;
    }

    /** Whether the server closed the connection (no more messages). */
    boolean atEnd() throws IOException {
        return readText() == null;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
